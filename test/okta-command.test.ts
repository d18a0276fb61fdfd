import { exportJWK, exportPKCS8, generateKeyPair } from "jose";
import { http } from "msw";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runOktaCommand } from "../admin/okta-command.ts";
import { parseConfig } from "../src/config.ts";
import { createTelephonyHook } from "../src/handlers/telephony-hook.ts";
import {
  type FakeOkta,
  type HookStep,
  type SecondOnCreate,
  type StepFailure,
  startFakeOkta,
} from "./support/fake-okta.ts";
import { baseEnv, hookUrl, useTelesignSimulator } from "./support/hook.ts";
import { server } from "./support/msw-server.ts";
import { markSensitive } from "./support/sensitive.ts";

/**
 * `npm run okta`, run in process against a fake Okta Management API on loopback (through Okta's
 * own SDK, over real HTTP) and a deployed hook served at its https URL through msw.
 */

const apiToken = "00fakeOktaApiToken0000000000000000000000";
const currentSecret = "current-hook-secret-4d1c9b7e";
const newSecret = "generated-hook-secret-8a2f6e30";
markSensitive(apiToken, currentSecret, newSecret);

let okta: FakeOkta;
/** The waits for Okta's rate limit that a run asked for (ms): tests never really wait. */
let sleeps: number[];

/** What the deployed hook accepts (OKTA_AUTH_SECRETS of its deploy); change it to "redeploy". */
let deployedSecrets: string[];
/** More of the deploy's variables (e.g. its OAuth settings); change them to "redeploy". */
let deployedEnv: Record<string, string | undefined>;

/** The deploy in oauth mode, verifying tokens of Okta's default authorization server. */
const oauthDeploy = {
  OKTA_AUTH_MODE: "oauth",
  OKTA_OAUTH_ISSUER: "https://example.okta.com/oauth2/default",
  OKTA_OAUTH_SCOPE: "okta.telephony.hook",
  OKTA_OAUTH_CLIENT_ID: "0oaHookClient",
};

beforeEach(async () => {
  okta = await startFakeOkta({ token: apiToken });
  sleeps = [];
  deployedSecrets = [currentSecret];
  deployedEnv = {};
  useTelesignSimulator();
  server.use(
    http.post(hookUrl, ({ request }) =>
      createTelephonyHook({
        config: parseConfig({ ...baseEnv, OKTA_AUTH_SECRETS: deployedSecrets.join(","), ...deployedEnv }),
      })(request),
    ),
  );
});
afterEach(() => okta.close());

async function run(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runOktaCommand(args, {
    env: { OKTA_ORG_URL: okta.url, OKTA_API_TOKEN: apiToken, ...env },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    newSecret: () => newSecret,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const setup = (...more: string[]) => ["setup", "--hook-url", hookUrl, ...more];

/** A hook already in the org, as another provider's would be. */
function existingHook(name: string, uri: string, status: "ACTIVE" | "INACTIVE" = "ACTIVE") {
  okta.hooks.push({
    id: `cal${name.replace(/\W/g, "")}`,
    name,
    status,
    type: "com.okta.telephony.provider",
    version: "1.0.0",
    channel: {
      type: "HTTP",
      version: "1.0.0",
      config: { uri, method: "POST", headers: [], authScheme: { type: "HEADER", key: "Authorization", value: "x" } },
    },
    created: "2026-01-01T00:00:00.000Z",
    lastUpdated: "2026-01-01T00:00:00.000Z",
  });
}

describe("npm run okta -- setup", () => {
  it("registers nothing until the deploy accepts the generated secret, and shows it once with the Netlify command", async () => {
    const { code, out } = await run(setup());
    expect(code).toBe(0);
    expect(okta.hooks).toEqual([]);
    expect(out).toContain("Nothing is registered in Okta yet");
    expect(out.split(newSecret).length - 1).toBe(3); // shown, in the netlify command, in the re-run command
    expect(out).toContain(
      `netlify env:set OKTA_AUTH_SECRETS '${newSecret}' --secret --scope functions --context production`,
    );
  });

  it("registers an ACTIVE header hook with the secret the deploy accepts, and never prints it", async () => {
    const { code, out } = await run(setup(), { OKTA_HOOK_SECRET: currentSecret });
    expect(code).toBe(0);
    expect(out).not.toContain(currentSecret);
    expect(okta.hooks).toEqual([
      expect.objectContaining({
        name: "Telesign SMS and voice",
        status: "ACTIVE",
        type: "com.okta.telephony.provider",
        channel: expect.objectContaining({
          type: "HTTP",
          config: expect.objectContaining({
            uri: hookUrl,
            method: "POST",
            authScheme: { type: "HEADER", key: "Authorization", value: currentSecret },
          }),
        }),
      }),
    ]);
    expect(okta.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      "GET /api/v1/inlineHooks?type=com.okta.telephony.provider",
      "GET /api/v1/inlineHooks",
      "POST /api/v1/inlineHooks",
    ]);
    expect(okta.requests.every((request) => request.auth === "SSWS")).toBe(true);
  });

  it("is safe to run again: no second hook, the secret untouched", async () => {
    await run(setup(), { OKTA_HOOK_SECRET: currentSecret });
    const again = await run(setup());
    expect(again.code).toBe(0);
    expect(again.out).toContain("already calls");
    expect(okta.hooks).toHaveLength(1);
    expect(okta.hooks[0]?.channel.config.authScheme).toEqual({
      type: "HEADER",
      key: "Authorization",
      value: currentSecret,
    });
    expect(okta.requests.filter((request) => request.method !== "GET")).toHaveLength(1);
  });

  it("run again with a secret, updates the hook with PUT and resends the whole object", async () => {
    await run(setup(), { OKTA_HOOK_SECRET: currentSecret });
    deployedSecrets = [newSecret, currentSecret];
    const again = await run(setup("--name", "Telesign (renamed)"), { OKTA_HOOK_SECRET: newSecret });
    expect(again.code).toBe(0);
    const put = okta.requests.find((request) => request.method === "PUT");
    expect(put?.body).toEqual({
      name: "Telesign (renamed)",
      version: "1.0.0",
      channel: {
        type: "HTTP",
        version: "1.0.0",
        config: {
          uri: hookUrl,
          method: "POST",
          headers: [],
          authScheme: { type: "HEADER", key: "Authorization", value: newSecret },
        },
      },
    });
    expect(okta.hooks).toHaveLength(1);
  });

  it("registers a `Basic …` secret (Okta's own header example, the passthrough credential): a space is not a stray character", async () => {
    const basic = "Basic dGVzdDpTRUNSRVRLRVk=";
    deployedSecrets = [basic];
    const { code, out, err } = await run(setup(), { OKTA_HOOK_SECRET: basic });
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(okta.hooks[0]?.channel.config.authScheme).toEqual({ type: "HEADER", key: "Authorization", value: basic });
    expect(out).not.toContain("dGVzdDpTRUNSRVRLRVk=");
  });

  it("refuses a secret the deploy does not accept: Okta is never told it", async () => {
    const { code, err } = await run(setup(), { OKTA_HOOK_SECRET: "a-secret-the-deploy-never-saw" });
    expect(code).toBe(1);
    expect(err).toMatch(/^error: Nothing registered: the deployed hook refuses the secret in OKTA_HOOK_SECRET/);
    expect(okta.requests.filter((request) => request.method !== "GET")).toEqual([]);
  });

  it("stops when another telephony hook is active, naming it (one active hook per org)", async () => {
    existingHook("Old provider", "https://old-provider.example/sms");
    const { code, err } = await run(setup(), { OKTA_HOOK_SECRET: currentSecret });
    expect(code).toBe(1);
    expect(err).toBe(
      'error: The org\'s active telephony hook is "Old provider" (calOldprovider), calling https://old-provider.example/sms; Okta allows one active telephony hook. Run again with --replace to deactivate it and activate this one.',
    );
    expect(okta.hooks.map((hook) => hook.status)).toEqual(["ACTIVE"]);
  });

  it("with --replace, deactivates the other active hook first, then registers this one", async () => {
    existingHook("Old provider", "https://old-provider.example/sms");
    const { code } = await run(setup("--replace"), { OKTA_HOOK_SECRET: currentSecret });
    expect(code).toBe(0);
    expect(okta.hooks.map((hook) => [hook.name, hook.status])).toEqual([
      ["Old provider", "INACTIVE"],
      ["Telesign SMS and voice", "ACTIVE"],
    ]);
  });

  it("activates this deploy's hook when it exists but is inactive", async () => {
    existingHook("Telesign SMS and voice", hookUrl, "INACTIVE");
    const { code, out } = await run(setup());
    expect(code).toBe(0);
    expect(out).toContain("Activated it.");
    expect(okta.hooks[0]?.status).toBe("ACTIVE");
  });

  it("registers an OAuth 2.0 channel (client_secret_post) once the deploy verifies that issuer's tokens", async () => {
    deployedEnv = oauthDeploy;
    const { code, out } = await run(
      [
        ...setup("--auth", "oauth"),
        "--client-id",
        "0oaHookClient",
        "--token-url",
        "https://example.okta.com/oauth2/default/v1/token",
        "--scope",
        "okta.telephony.hook",
      ],
      { OKTA_HOOK_CLIENT_SECRET: "hook-client-secret-55aa" },
    );
    expect(code).toBe(0);
    expect(okta.hooks[0]?.channel).toEqual({
      type: "OAUTH",
      version: "1.0.0",
      config: {
        uri: hookUrl,
        method: "POST",
        authType: "client_secret_post",
        clientId: "0oaHookClient",
        clientSecret: "hook-client-secret-55aa",
        tokenUrl: "https://example.okta.com/oauth2/default/v1/token",
        scope: "okta.telephony.hook",
      },
    });
    expect(out).toContain("The deployed hook verifies this issuer's tokens");
    expect(out).not.toContain("hook-client-secret-55aa");
  });
});

describe("npm run okta -- setup, more ways", () => {
  it("registers an OAuth 2.0 channel with private_key_jwt and Okta's hook key", async () => {
    deployedEnv = oauthDeploy;
    const { code } = await run([
      ...setup("--auth", "oauth"),
      ...["--client-id", "0oaHookClient", "--token-url", "https://example.okta.com/oauth2/default/v1/token"],
      ...["--scope", "okta.telephony.hook", "--key-id", "hookKey0123"],
    ]);
    expect(code).toBe(0);
    expect(okta.hooks[0]?.channel.config).toEqual({
      uri: hookUrl,
      method: "POST",
      authType: "private_key_jwt",
      clientId: "0oaHookClient",
      hookKeyId: "hookKey0123",
      tokenUrl: "https://example.okta.com/oauth2/default/v1/token",
      scope: "okta.telephony.hook",
    });
  });

  it("--json gives scripts the generated secret and that nothing is registered yet", async () => {
    const { code, out } = await run(setup("--json"));
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({
      registered: false,
      generatedSecret: newSecret,
      next: "store the secret in Netlify, redeploy, run setup again",
    });
  });

  it("--json after registering gives the hook, and no secret it did not generate", async () => {
    const { out } = await run(setup("--json"), { OKTA_HOOK_SECRET: currentSecret });
    const result = JSON.parse(out) as { hook: Record<string, unknown> };
    expect(result.hook).toMatchObject({
      name: "Telesign SMS and voice",
      status: "ACTIVE",
      url: hookUrl,
      thisDeploy: true,
    });
    expect(out).not.toContain(currentSecret);
  });

  it("stops before Okta when the deployed hook is not configured yet", async () => {
    server.use(http.post(hookUrl, ({ request }) => createTelephonyHook({ config: parseConfig({}) })(request)));
    const { code, err } = await run(setup(), { OKTA_HOOK_SECRET: currentSecret });
    expect(code).toBe(1);
    expect(err).toContain('the deployed hook answers "Hook not configured"');
    expect(okta.requests.filter((request) => request.method !== "GET")).toEqual([]);
  });
});

describe("setup --replace never leaves the org without an active telephony hook", () => {
  const failures: StepFailure[] = [400, 429, "reset", "applied, then reset"];
  const oauthOptions = [
    ...["--auth", "oauth", "--client-id", "0oaHookClient"],
    ...["--token-url", "https://example.okta.com/oauth2/default/v1/token", "--scope", "okta.telephony.hook"],
  ];

  /** Runs setup --replace with one step failing, and checks the org and what the admin is told. */
  async function replaceWithFailure(failing: [HookStep, StepFailure, number] | undefined, args: string[] = []) {
    if (failing !== undefined) okta.failStep(...failing);
    const { code, out, err } = await run(setup("--replace", ...args), {
      OKTA_HOOK_SECRET: currentSecret,
      OKTA_HOOK_CLIENT_SECRET: "hook-client-secret-55aa",
    });
    const active = okta.activeTelephonyHooks();
    expect(active).toHaveLength(1);
    if (code === 0) {
      expect(active).toEqual(["Telesign SMS and voice"]);
      expect(out).toContain("It is the org's active telephony hook");
    } else {
      expect(code).toBe(1);
      // The one line names the hook that is active now, as Okta's own list says.
      const [last, ...waits] = err.split("\n").reverse();
      expect(last).toMatch(/^error: /);
      for (const line of waits) expect(line).toMatch(/^Okta's rate limit is used up: waiting \d+ s for it to reset…$/);
      expect(err).toContain(`The org's active telephony hook now is "${active[0]}"`);
    }
    return { code, err };
  }

  describe.each<SecondOnCreate>(["refused", "inactive", "both active"])(
    "a new hook, when Okta answers a second create with: %s",
    (secondOnCreate) => {
      beforeEach(async () => {
        await okta.close();
        okta = await startFakeOkta({ token: apiToken, secondOnCreate });
        existingHook("Old provider", "https://old-provider.example/sms");
      });

      it.each(
        (["create", "deactivate", "activate"] as const).flatMap((step) =>
          failures.flatMap((failure) => [1, 2].map((nth) => [step, failure, nth] as const)),
        ),
      )("%s fails (%s, call %i): one hook stays active, and the message names it", async (step, failure, nth) => {
        await replaceWithFailure([step, failure, nth]);
      });

      it("with nothing failing, ours is the one active hook at the end", async () => {
        const { code } = await replaceWithFailure(undefined);
        expect(code).toBe(0);
        expect(okta.hooks.map((hook) => [hook.name, hook.status])).toEqual([
          ["Old provider", "INACTIVE"],
          ["Telesign SMS and voice", "ACTIVE"],
        ]);
      });
    },
  );

  describe("this deploy's hook registered but inactive", () => {
    beforeEach(() => {
      existingHook("Old provider", "https://old-provider.example/sms");
      existingHook("Telesign SMS and voice", hookUrl, "INACTIVE");
    });

    it.each(
      (["update", "deactivate", "activate"] as const).flatMap((step) =>
        failures.map((failure) => [step, failure] as const),
      ),
    )("%s fails (%s): one hook stays active, and the message names it", async (step, failure) => {
      await replaceWithFailure([step, failure, 1]);
    });

    it("updates ours while the other is active, and deactivates the other only right before activating ours", async () => {
      const { code } = await replaceWithFailure(undefined);
      expect(code).toBe(0);
      expect(okta.requests.filter((request) => request.method !== "GET").map((request) => request.path)).toEqual([
        "/api/v1/inlineHooks/calTelesignSMSandvoice",
        "/api/v1/inlineHooks/calOldprovider/lifecycle/deactivate",
        "/api/v1/inlineHooks/calTelesignSMSandvoice/lifecycle/activate",
      ]);
    });

    it("when activating ours fails, reactivates the other and says so", async () => {
      const { code, err } = await replaceWithFailure(["activate", 429, 1]);
      expect(code).toBe(1);
      expect(err).toContain('Reactivated "Old provider" (calOldprovider), which this run had deactivated.');
      expect(okta.activeTelephonyHooks()).toEqual(["Old provider"]);
    });

    it("a deactivation Okta applied but whose answer was lost: the other is reactivated, never none active", async () => {
      const { code, err } = await replaceWithFailure(["deactivate", "applied, then reset", 1]);
      expect(code).toBe(1);
      expect(err).toContain('Reactivated "Old provider" (calOldprovider), which this run had deactivated.');
      expect(okta.activeTelephonyHooks()).toEqual(["Old provider"]);
    });

    it("an activation Okta applied but whose answer was lost: ours is the one active, and the message says so", async () => {
      const { code, err } = await replaceWithFailure(["activate", "applied, then reset", 1]);
      expect(code).toBe(1);
      expect(err).toContain('The org\'s active telephony hook now is "Telesign SMS and voice"');
      expect(okta.activeTelephonyHooks()).toEqual(["Telesign SMS and voice"]);
    });

    it("a reactivation refused by Okta's rate limit is tried again once it resets, never leaving none active", async () => {
      okta.failStep("activate", 429, 2);
      const { code, err } = await replaceWithFailure(["activate", 429, 1]);
      expect(code).toBe(1);
      expect(sleeps).toHaveLength(1);
      expect(sleeps[0]).toBeGreaterThan(0);
      expect(sleeps[0]).toBeLessThanOrEqual(65_000);
      expect(err).toContain("Okta's rate limit is used up: waiting");
      expect(err).toContain('Reactivated "Old provider" (calOldprovider)');
      expect(okta.activeTelephonyHooks()).toEqual(["Old provider"]);
    });

    it("waits for the rate limit at most twice (three tries), then says plainly that no hook is active", async () => {
      for (const nth of [1, 2, 3, 4]) okta.failStep("activate", 429, nth);
      const { code, err } = await run(setup("--replace"), { OKTA_HOOK_SECRET: currentSecret });
      expect(code).toBe(1);
      expect(sleeps).toHaveLength(2);
      expect(err).toContain('Reactivating "Old provider" (calOldprovider) failed too.');
      expect(err).toContain("The org has NO active telephony hook now");
    });

    it("the same for an OAuth 2.0 hook", async () => {
      deployedEnv = oauthDeploy;
      const { code } = await replaceWithFailure(["activate", "reset", 1], oauthOptions);
      expect(code).toBe(1);
      expect(okta.activeTelephonyHooks()).toEqual(["Old provider"]);
    });
  });
});

describe("setup never reports success while Okta still authenticates the old way", () => {
  const oauthArgs = (clientId = "0oaHookClient") => [
    ...setup("--auth", "oauth", "--client-id", clientId),
    ...["--token-url", "https://example.okta.com/oauth2/default/v1/token", "--scope", "okta.telephony.hook"],
  ];
  const clientSecret = { OKTA_HOOK_CLIENT_SECRET: "hook-client-secret-55aa" };
  const changes = () => okta.requests.filter((request) => request.method !== "GET");

  it("a header hook switched to oauth without OKTA_HOOK_CLIENT_SECRET or --key-id: exit 1, the channel unchanged", async () => {
    await run(setup(), { OKTA_HOOK_SECRET: currentSecret });
    deployedEnv = oauthDeploy;
    const { code, err } = await run(oauthArgs());
    expect(code).toBe(1);
    expect(err).toMatch(
      /^error: Set OKTA_HOOK_CLIENT_SECRET .* or give --key-id .*switch "Telesign SMS and voice" \(cal\w+\) from header Authorization.* Nothing changed\.$/,
    );
    expect(okta.hooks[0]?.channel.type).toBe("HTTP");
    expect(changes()).toHaveLength(1); // the first setup's create alone
  });

  it("an OAuth hook given another client id without its secret: exit 1, Okta keeps the old client", async () => {
    deployedEnv = oauthDeploy;
    await run(oauthArgs(), clientSecret);
    deployedEnv = { ...oauthDeploy, OKTA_OAUTH_CLIENT_ID: "0oaOtherClient" };
    const { code, err } = await run(oauthArgs("0oaOtherClient"));
    expect(code).toBe(1);
    expect(err).toContain("Set OKTA_HOOK_CLIENT_SECRET");
    expect(okta.hooks[0]?.channel.config.clientId).toBe("0oaHookClient");
  });

  it("the same OAuth settings again without the secret: unchanged, exit 0", async () => {
    deployedEnv = oauthDeploy;
    await run(oauthArgs(), clientSecret);
    const { code, out } = await run(oauthArgs());
    expect(code).toBe(0);
    expect(out).toContain("its authentication is unchanged");
  });

  it("an OAuth hook moved back to a header without OKTA_HOOK_SECRET: exit 1, still OAuth", async () => {
    deployedEnv = oauthDeploy;
    await run(oauthArgs(), clientSecret);
    deployedEnv = {};
    const { code, err } = await run(setup());
    expect(code).toBe(1);
    expect(err).toMatch(
      /^error: Set OKTA_HOOK_SECRET to a secret the deploy accepts to switch .* from OAuth 2\.0 \(client_secret_post\) to header Authorization/,
    );
    expect(okta.hooks[0]?.channel.type).toBe("OAUTH");
  });

  it("a header hook told another header name without OKTA_HOOK_SECRET: exit 1", async () => {
    await run(setup(), { OKTA_HOOK_SECRET: currentSecret });
    const { code } = await run(setup("--header", "X-Hook-Secret"));
    expect(code).toBe(1);
    expect(okta.hooks[0]?.channel.config.authScheme).toMatchObject({ key: "Authorization" });
  });
});

describe("setup deactivates the org's hook only for Okta's one-active-hook limit", () => {
  beforeEach(() => existingHook("Old provider", "https://old-provider.example/sms"));

  it("a name taken by another kind of inline hook is said before anything changes", async () => {
    existingHook("Telesign SMS and voice", "https://import.example/transform");
    (okta.hooks.at(-1) as { type: string }).type = "com.okta.import.transform";
    const { code, err } = await run(setup("--replace"), { OKTA_HOOK_SECRET: currentSecret });
    expect(code).toBe(1);
    expect(err).toMatch(
      /^error: Another inline hook is named "Telesign SMS and voice" \(calTelesignSMSandvoice, com\.okta\.import\.transform/,
    );
    expect(okta.requests.filter((request) => request.method !== "GET")).toEqual([]);
    expect(okta.activeTelephonyHooks()).toEqual(["Old provider"]);
  });

  it("a create Okta refuses for another reason (a bad key id, a name) never deactivates the active hook", async () => {
    okta.failStep("create", 400);
    const { code, err } = await run(setup("--replace"), { OKTA_HOOK_SECRET: currentSecret });
    expect(code).toBe(1);
    expect(err).toContain("An object with this field already exists");
    expect(okta.requests.filter((request) => request.path.endsWith("/deactivate"))).toEqual([]);
    expect(okta.activeTelephonyHooks()).toEqual(["Old provider"]);
  });

  it("Okta's one-active-hook refusal swaps them: the other deactivated, ours created", async () => {
    const { code } = await run(setup("--replace"), { OKTA_HOOK_SECRET: currentSecret });
    expect(code).toBe(0);
    expect(okta.activeTelephonyHooks()).toEqual(["Telesign SMS and voice"]);
  });
});

describe("setup --auth oauth never switches Okta to OAuth before the deploy verifies its tokens", () => {
  const oauthSetup = [
    ...setup("--auth", "oauth", "--client-id", "0oaHookClient"),
    ...["--token-url", "https://example.okta.com/oauth2/default/v1/token", "--scope", "okta.telephony.hook"],
  ];
  const clientSecret = { OKTA_HOOK_CLIENT_SECRET: "hook-client-secret-55aa" };

  it("while the deploy still expects a header secret: registers nothing, prints the Netlify steps, exit 1", async () => {
    const { code, err } = await run(oauthSetup, clientSecret);
    expect(code).toBe(1);
    expect(err).toMatch(/^error: Nothing registered: the deployed hook does not verify OAuth 2\.0 tokens yet/);
    expect(err).toContain("netlify env:set OKTA_AUTH_MODE oauth --scope functions");
    expect(err).toContain(
      "netlify env:set OKTA_OAUTH_ISSUER 'https://example.okta.com/oauth2/default' --scope functions",
    );
    expect(okta.requests.filter((request) => request.method !== "GET")).toEqual([]);
  });

  it("nor when an existing header hook would be switched over", async () => {
    await run(setup(), { OKTA_HOOK_SECRET: currentSecret });
    const { code } = await run(oauthSetup, clientSecret);
    expect(code).toBe(1);
    expect(okta.hooks[0]?.channel.type).toBe("HTTP");
    expect(okta.requests.filter((request) => request.method === "PUT")).toEqual([]);
  });

  it("while the deploy verifies another issuer's tokens: names it, registers nothing", async () => {
    deployedEnv = { ...oauthDeploy, OKTA_OAUTH_ISSUER: "https://example.okta.com/oauth2/aus0ther" };
    const { code, err, out } = await run([...oauthSetup, "--json"], clientSecret);
    expect(code).toBe(1);
    expect(err).toBe("");
    expect(JSON.parse(out)).toMatchObject({
      registered: false,
      error: expect.stringContaining(
        "the deployed hook expects other tokens than Okta's would be: issuer https://example.okta.com/oauth2/aus0ther, not https://example.okta.com/oauth2/default",
      ),
    });
    expect(okta.hooks).toEqual([]);
  });

  it("while the deploy is pinned to another client: names it, registers nothing (every token would fail)", async () => {
    deployedEnv = { ...oauthDeploy, OKTA_OAUTH_CLIENT_ID: "0oaSomeOtherApp" };
    const { code, err } = await run(oauthSetup, clientSecret);
    expect(code).toBe(1);
    expect(err).toContain("client 0oaSomeOtherApp, not 0oaHookClient");
    expect(okta.hooks).toEqual([]);
  });

  it("while the deploy expects another audience: names it and --audience, registers nothing", async () => {
    deployedEnv = { ...oauthDeploy, OKTA_OAUTH_AUDIENCE: "api://telephony" };
    const { code, err } = await run(oauthSetup, clientSecret);
    expect(code).toBe(1);
    expect(err).toContain("audience api://telephony, not api://default");
    expect(err).toContain("netlify env:set OKTA_OAUTH_AUDIENCE 'api://default' --scope functions");
    expect(okta.hooks).toEqual([]);
    const { code: again } = await run([...oauthSetup, "--audience", "api://telephony"], clientSecret);
    expect(again).toBe(0);
  });

  it("while the deploy is not configured: registers nothing", async () => {
    deployedEnv = { OKTA_AUTH_MODE: "oauth" };
    const { code, err } = await run(oauthSetup, clientSecret);
    expect(code).toBe(1);
    expect(err).toContain('the deployed hook answers "Hook not configured"');
    expect(okta.hooks).toEqual([]);
  });
});

describe("a secret with a stray character is never printed (stdout, stderr, --json)", () => {
  const strays = [
    ["a newline", "\n"],
    ["a quote", '"'],
    ["a non-ASCII character", "ü"],
  ] as const;
  const oauth = [
    ...["--auth", "oauth", "--client-id", "0oaHookClient"],
    ...["--token-url", "https://example.okta.com/oauth2/default/v1/token", "--scope", "okta.telephony.hook"],
  ];
  const commands: Record<string, string[][]> = {
    OKTA_API_TOKEN: [["status"], setup(), ["rotate-secret"]],
    OKTA_HOOK_SECRET: [setup(), ["rotate-secret"]],
    OKTA_HOOK_NEW_SECRET: [["rotate-secret"]],
    OKTA_HOOK_CLIENT_SECRET: [setup(...oauth)],
  };
  const cases = Object.entries(commands).flatMap(([variable, runs]) =>
    strays.flatMap(([stray, character]) =>
      runs.flatMap((args) => [false, true].map((json) => [variable, stray, args, json, character] as const)),
    ),
  );

  it.each(cases)("%s with %s (%j, json %s)", async (variable, stray, args, json, character) => {
    await run(setup(), { OKTA_HOOK_SECRET: currentSecret });
    deployedEnv = variable === "OKTA_HOOK_CLIENT_SECRET" ? oauthDeploy : {};
    const [left, right] = [`Leak${variable}Left`, `Leak${variable}Right`];
    const { code, out, err } = await run([...args, ...(json ? ["--json"] : [])], {
      OKTA_HOOK_SECRET: currentSecret,
      [variable]: `${left}${character}${right}`,
    });
    expect(`${out}\n${err}`).not.toMatch(new RegExp(`${left}|${right}`));
    if (character !== '"') {
      expect(code).toBe(1);
      const message = `${variable} holds ${stray === "a newline" ? "a line break" : "a character that is not printable ASCII"}`;
      expect(json ? JSON.parse(out).error : err).toContain(message);
    }
  });

  it.each(strays)("OKTA_SERVICE_PRIVATE_KEY with %s", async (_, character) => {
    const key = `-----BEGIN PRIVATE KEY-----\nLeakKeyLeft${character}LeakKeyRight\n-----END PRIVATE KEY-----`;
    for (const json of [false, true]) {
      const { code, out, err } = await run(["status", ...(json ? ["--json"] : [])], {
        OKTA_API_TOKEN: "",
        OKTA_SERVICE_CLIENT_ID: "0oaServiceApp",
        OKTA_SERVICE_PRIVATE_KEY: key,
      });
      expect(code).toBe(1);
      expect(`${out}\n${err}`).not.toMatch(/LeakKeyLeft|LeakKeyRight/);
    }
  });
});

describe("npm run okta -- status", () => {
  it("lists the org's telephony hooks, never a secret, and says this deploy's is active (exit 0)", async () => {
    existingHook("Old provider", "https://old-provider.example/sms", "INACTIVE");
    await run(setup(), { OKTA_HOOK_SECRET: currentSecret });
    const { code, out } = await run(["status"]);
    expect(code).toBe(0);
    expect(out).toContain(
      '○ INACTIVE "Old provider" (calOldprovider)  https://old-provider.example/sms  header Authorization',
    );
    expect(out).toMatch(
      /● ACTIVE {3}"Telesign SMS and voice" \(cal\w+\) {2}https:\/\/hook\.example\/\.netlify\/functions\/telesign {2}header Authorization {3}← this deploy/,
    );
    expect(out).toContain(`The hook at ${hookUrl} is the org's active telephony hook.`);
    expect(out).not.toContain(currentSecret);
  });

  it("--json gives the hooks as data, and exit 1 when this deploy's hook is not the active one", async () => {
    existingHook("Old provider", "https://old-provider.example/sms");
    const { code, out } = await run(["status", "--json"]);
    expect(code).toBe(1);
    expect(JSON.parse(out)).toEqual({
      hooks: [
        {
          id: "calOldprovider",
          name: "Old provider",
          status: "ACTIVE",
          url: "https://old-provider.example/sms",
          auth: "header Authorization",
          thisDeploy: false,
        },
      ],
      active: null,
    });
  });
});

describe("npm run okta -- preview", () => {
  it("has Okta call the deployed hook with a fresh request, says a real message goes out, and gives the verdict", async () => {
    await run(setup(), { OKTA_HOOK_SECRET: currentSecret });
    const { code, out } = await run(["preview", "--phone", "+15555550100"]);
    expect(code).toBe(0);
    expect(out).toContain("a REAL SMS goes to +1******0100");
    expect(out).toMatch(/✅ ACCEPT mfa-verification SMS: Okta accepts: the code is on its way\. \(\d+ ms\)/);
    const executed = okta.requests.find((request) => request.path.endsWith("/execute"));
    expect(executed?.body).toMatchObject({
      eventType: "com.okta.telephony.provider",
      requestType: "com.okta.user.telephony.mfa-verification",
      data: { messageProfile: { phoneNumber: "+15555550100", deliveryChannel: "SMS" } },
    });
  });

  it("says FALL BACK when the hook answers an error (exit 1), and voice is a voice call", async () => {
    await run(setup(), { OKTA_HOOK_SECRET: currentSecret });
    const { code, out } = await run(["preview", "--phone", "+15555553101", "--channel", "voice"]);
    expect(code).toBe(1);
    expect(out).toContain("a REAL voice call goes to");
    expect(out).toMatch(
      /↪️ {2}FALL BACK mfa-verification voice call: no code from the hook; Okta sends none, or its own \(its docs say both\): the hook answered error "3101"/,
    );
  });

  it("refuses to run without an active hook for this deploy", async () => {
    const { code, err } = await run(["preview", "--phone", "+15555550100"]);
    expect(code).toBe(1);
    expect(err).toContain("No telephony hook calls a URL ending /.netlify/functions/telesign");
  });
});

describe("npm run okta -- rotate-secret", () => {
  it("walks Okta and the deploy to a new secret in three runs, never leaving Okta with a secret the deploy refuses", async () => {
    await run(setup(), { OKTA_HOOK_SECRET: currentSecret });
    const secretInOkta = () => okta.hooks[0]?.channel.config.authScheme;

    // 1. The deploy accepts only the current secret: the new one is generated and shown, Okta untouched.
    const first = await run(["rotate-secret"], { OKTA_HOOK_SECRET: currentSecret });
    expect(first.code).toBe(0);
    expect(first.out).toContain("Step 1 of 3");
    expect(first.out).toContain(`export OKTA_HOOK_NEW_SECRET='${newSecret}'`);
    expect(first.out).toContain('netlify env:set OKTA_AUTH_SECRETS "$OKTA_HOOK_NEW_SECRET,$OKTA_HOOK_SECRET"');
    expect(secretInOkta()).toMatchObject({ value: currentSecret });

    // 2. The admin deployed both: Okta moves to the new secret.
    deployedSecrets = [newSecret, currentSecret];
    const second = await run(["rotate-secret"], { OKTA_HOOK_SECRET: currentSecret, OKTA_HOOK_NEW_SECRET: newSecret });
    expect(second.code).toBe(0);
    expect(second.out).toContain("Step 2 of 3 done");
    expect(secretInOkta()).toEqual({ type: "HEADER", key: "Authorization", value: newSecret });

    // 3. The admin deployed the new one alone: complete.
    deployedSecrets = [newSecret];
    const third = await run(["rotate-secret"], { OKTA_HOOK_SECRET: currentSecret, OKTA_HOOK_NEW_SECRET: newSecret });
    expect(third.code).toBe(0);
    expect(third.out).toBe("The rotation is complete: Okta sends the new secret, and the deploy accepts it alone.");
    expect(secretInOkta()).toMatchObject({ value: newSecret });
  });

  it("fails when the deploy accepts neither secret, and leaves Okta alone", async () => {
    await run(setup(), { OKTA_HOOK_SECRET: currentSecret });
    deployedSecrets = ["some-other-secret-entirely-0000"];
    const { code, err } = await run(["rotate-secret"], {
      OKTA_HOOK_SECRET: currentSecret,
      OKTA_HOOK_NEW_SECRET: newSecret,
    });
    expect(code).toBe(1);
    expect(err).toContain("accepts neither");
    expect(okta.requests.filter((request) => request.method === "PUT")).toEqual([]);
  });

  it("needs the current secret", async () => {
    await run(setup(), { OKTA_HOOK_SECRET: currentSecret });
    const { code, err } = await run(["rotate-secret"]);
    expect(code).toBe(1);
    expect(err).toContain("OKTA_HOOK_SECRET");
  });
});

describe("Okta's errors, each one sentence with its errorCode and what to do", () => {
  it("a bad or expired token (401 E0000011)", async () => {
    const { code, err } = await run(["status"], { OKTA_API_TOKEN: "00expiredTokenxxxxxxxxxxxxxxxxxxxxxxxxxx" });
    expect(code).toBe(1);
    expect(err).toBe(
      "error: Okta refused the API token (E0000011: Invalid token provided): check OKTA_API_TOKEN; tokens expire after 30 days unused, create one in Security › API › Tokens.",
    );
  });

  it("an admin who may not manage hooks (403 E0000006)", async () => {
    await okta.close();
    okta = await startFakeOkta({ token: apiToken, mayManage: false });
    const { code, err } = await run(["status"]);
    expect(code).toBe(1);
    expect(err).toMatch(/^error: Okta says the token's admin may not manage inline hooks \(E0000006: /);
  });

  it("a rate limit, with its reset time (429 E0000047)", async () => {
    const reset = Math.floor(Date.now() / 1000) + 42;
    okta.failNext(
      429,
      { errorCode: "E0000047", errorSummary: "API call exceeded rate limit due to too many requests." },
      {
        "x-rate-limit-reset": String(reset),
      },
    );
    const { code, err } = await run(["status"]);
    expect(code).toBe(1);
    const at = new Date(reset * 1000).toISOString().slice(11, 19);
    expect(err).toMatch(
      new RegExp(
        `^error: Okta's rate limit is used up \\(E0000047\\): it resets at ${at} UTC \\(in 4[0-2] s\\), then run the command again\\.$`,
      ),
    );
  });

  it("a validation error (400 E0000001), with Okta's causes", async () => {
    const { code, err } = await run(setup("--name", "x".repeat(256)), { OKTA_HOOK_SECRET: currentSecret });
    expect(code).toBe(1);
    expect(err).toBe(
      "error: Okta refused the request (E0000001: Api validation failed: inlineHook: name: must be 1 to 255 characters): fix what it names (a hook URL must be https:// and reachable by Okta). The org has NO active telephony hook now: Okta sends every code through its own provider until one is activated (run the command again, or Workflow › Inline Hooks in the Admin Console).",
    );
  });

  it("an org URL that is not Okta's, or not reachable", async () => {
    const { code, err } = await run(["status"], { OKTA_ORG_URL: "http://127.0.0.1:9" });
    expect(code).toBe(1);
    expect(err).toBe(
      "error: Okta could not be reached at http://127.0.0.1:9 (ECONNREFUSED): check OKTA_ORG_URL and the network.",
    );
  });

  it("an http:// org URL that is not loopback is refused before any call", async () => {
    const { code, err } = await run(["status"], { OKTA_ORG_URL: "http://example.okta.com" });
    expect(code).toBe(1);
    expect(err).toBe("error: OKTA_ORG_URL must be an https:// URL (http only to 127.0.0.1, localhost or [::1]).");
  });

  it("no credentials says what to set", async () => {
    const { code, err } = await run(["status"], { OKTA_API_TOKEN: "" });
    expect(code).toBe(1);
    expect(err).toContain(
      "set OKTA_API_TOKEN (Security › API › Tokens), or OKTA_SERVICE_CLIENT_ID and OKTA_SERVICE_PRIVATE_KEY",
    );
  });
});

/** A service app's key pair, and one Okta does not know: made once, as the file loads (RSA key generation is these tests' slowest step). */
const [serviceAppKeys, unknownKeys] = await Promise.all([
  generateKeyPair("RS256", { extractable: true }),
  generateKeyPair("RS256", { extractable: true }),
]);

describe("a service app instead of an API token", () => {
  it("gets a token with its private key (scope okta.inlineHooks.manage) and uses it", async () => {
    const { publicKey, privateKey } = serviceAppKeys;
    await okta.close();
    okta = await startFakeOkta({
      serviceApp: {
        clientId: "0oaServiceApp",
        publicJwk: await exportJWK(publicKey),
        scopes: ["okta.inlineHooks.read", "okta.inlineHooks.manage"],
      },
    });
    const { code } = await run(["status"], {
      OKTA_API_TOKEN: "",
      OKTA_SERVICE_CLIENT_ID: "0oaServiceApp",
      OKTA_SERVICE_PRIVATE_KEY: await exportPKCS8(privateKey),
    });
    expect(code).toBe(1); // no hook yet: status says so
    expect(okta.requests.map((request) => `${request.method} ${request.path} ${request.auth}`)).toEqual([
      "POST /oauth2/v1/token none",
      "GET /api/v1/inlineHooks?type=com.okta.telephony.provider Bearer",
    ]);
    expect(new URLSearchParams(okta.requests[0]?.body as string).get("scope")).toBe(
      "okta.inlineHooks.read okta.inlineHooks.manage",
    );
  });
});

describe("a service app whose key Okta does not know", () => {
  it("says its token request probably failed, and what to check", async () => {
    const registered = serviceAppKeys;
    const other = unknownKeys;
    await okta.close();
    okta = await startFakeOkta({
      serviceApp: {
        clientId: "0oaServiceApp",
        publicJwk: await exportJWK(registered.publicKey),
        scopes: ["okta.inlineHooks.manage"],
      },
    });
    const { code, err } = await run(["status"], {
      OKTA_API_TOKEN: "",
      OKTA_SERVICE_CLIENT_ID: "0oaServiceApp",
      OKTA_SERVICE_PRIVATE_KEY: await exportPKCS8(other.privateKey),
    });
    expect(code).toBe(1);
    // Okta's SDK drops the token endpoint's invalid_client and calls the API without a valid token (twice).
    expect(err).toMatch(
      /^error: Okta refused the service app's access \(E0000011: Invalid token provided\); its token request probably failed: check OKTA_SERVICE_CLIENT_ID, that OKTA_SERVICE_PRIVATE_KEY matches/,
    );
    expect(okta.requests.map((request) => request.path)).toEqual([
      "/oauth2/v1/token",
      "/api/v1/inlineHooks?type=com.okta.telephony.provider",
      "/oauth2/v1/token",
      "/api/v1/inlineHooks?type=com.okta.telephony.provider",
    ]);
  });
});

describe("the command line", () => {
  it.each([
    [[], 2, /^Usage: npm run okta/],
    [["frobnicate"], 2, /^error: unknown command "frobnicate"/],
    [["setup"], 2, /^error: --hook-url is required/],
    [["setup", "--hook-url", "http://hook.example/x"], 2, /^error: --hook-url takes the hook's https:\/\/ URL/],
    [
      ["setup", "--hook-url", hookUrl, "--auth", "oauth"],
      2,
      /^error: --auth oauth needs --client-id, --token-url, --scope/,
    ],
    [["preview", "--phone", "5555550100"], 2, /^error: --phone takes an E\.164 number/],
    [["status", "--bogus"], 2, /^error: Unknown option '--bogus'/],
    [["status", "--hook-url", hookUrl, "StrayValue0x9f"], 2, /^error: an unexpected argument \(not shown\)/],
    [["preview", "--phone", "+15555550100", "--StrayValue0x9f"], 2, /^error: an unknown option \(not shown\)/],
  ])("%j is a usage error (exit %i) and never reaches Okta", async (args, exit, message) => {
    const { code, err } = await run(args);
    expect(code).toBe(exit);
    expect(err).toMatch(message);
    expect(err).not.toContain("StrayValue");
    expect(okta.requests).toEqual([]);
  });

  it.each(["setup", "status", "preview", "rotate-secret"])(
    "%s --help shows its usage and the credentials (exit 0)",
    async (command) => {
      const { code, out } = await run([command, "--help"]);
      expect(code).toBe(0);
      expect(out).toMatch(new RegExp(`^Usage: npm run okta -- ${command}`));
      expect(out).toContain("OKTA_API_TOKEN");
    },
  );
});
