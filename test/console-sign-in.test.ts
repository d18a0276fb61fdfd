import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { checkConfiguration } from "../admin/configuration-check.ts";
import { type OktaSignInServer, serveOktaSignIn } from "../simulator/okta-sign-in.ts";
import { parseConsoleConfig } from "../src/console/console-config.ts";
import { createSealer, sessionCookie } from "../src/console/session.ts";
import { sharedReads } from "../src/console/shared-reads.ts";
import { createConsole } from "../src/handlers/console.ts";
import { CookieJar, consoleEnv, emptyFigures, helpdeskAgent, recordingRecords } from "./support/console.ts";
import { baseEnv } from "./support/hook.ts";

/** The console's sign-in through Okta (a stand-in on loopback), its session cookie, and its refusals. */

const site = "https://helpdesk.example";
let okta: OktaSignInServer;

beforeAll(async () => {
  const env = consoleEnv("http://127.0.0.1");
  okta = await serveOktaSignIn({
    clientId: env.CONSOLE_OKTA_CLIENT_ID as string,
    clientSecret: env.CONSOLE_OKTA_CLIENT_SECRET as string,
    user: helpdeskAgent,
    redirectUris: [`${site}/console/auth/callback`],
  });
});
afterAll(() => okta.close());
beforeEach(() => {
  okta.user = helpdeskAgent;
  okta.tokenRequests.length = 0;
});

function consoleOf(env: Record<string, string> = consoleEnv(okta.issuer), now?: () => Date, jar = new CookieJar()) {
  const records = recordingRecords();
  const handle = createConsole({ config: parseConsoleConfig(env), records: () => records, now });
  const call = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (jar.cookies.size > 0) headers.set("cookie", jar.header());
    const response = await handle(new Request(new URL(path, site), { ...init, headers }));
    jar.take(response);
    return response;
  };
  return { handle, jar, call, records };
}

/** Sign-in as a browser does it: the console sends the agent to Okta, Okta sends them back with a code. */
async function signIn(console_ = consoleOf(), from = "/console/auth/sign-in") {
  const start = await console_.call(from);
  const atOkta = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
  const back = new URL(atOkta.headers.get("location") ?? "");
  const landing = await console_.call(`${back.pathname}${back.search}`);
  return { start, back, landing, ...console_ };
}

/** A lookup as the page sends it: a same-origin POST of JSON. */
function lookUp(call: (path: string, init?: RequestInit) => Promise<Response>, body: unknown) {
  return call("/console/api/lookup", {
    method: "POST",
    headers: { origin: site, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

describe("the console is off until configured", () => {
  it.each([
    "/console/auth/sign-in",
    "/console/auth/callback?code=x&state=y",
    "/console/api/session",
    "/console/api/lookup",
    "/console/api/health",
  ])("%s answers 404 without the console's variables", async (path) => {
    const { call } = consoleOf({});
    expect((await call(path)).status).toBe(404);
  });

  it("with some of its variables set, it answers 503 misconfigured (not off) and says which are missing", async () => {
    const env = { CONSOLE_OKTA_ISSUER: "https://example.okta.com" };
    const parsed = parseConsoleConfig(env);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problems).toEqual(
      ["CONSOLE_OKTA_CLIENT_ID", "CONSOLE_OKTA_CLIENT_SECRET", "CONSOLE_GROUPS", "CONSOLE_SESSION_KEY"].map((name) => ({
        variables: [name],
        message: `${name} is required to turn the console on`,
      })),
    );
    const response = await consoleOf(env).call("/console/api/session");
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: "misconfigured: run npm run check" });
  });

  it("a wrong value (not only a missing one) is misconfigured too", async () => {
    const env = { ...consoleEnv(okta.issuer), CONSOLE_SESSION_HOURS: "24" };
    expect((await consoleOf(env).call("/console/auth/sign-in")).status).toBe(503);
  });

  it("npm run check knows the console's variables: off is fine, half-configured names what is missing", () => {
    expect(checkConfiguration(baseEnv).ok).toBe(true);
    const half = checkConfiguration({ ...baseEnv, CONSOLE_OKTA_ISSUER: "https://example.okta.com" });
    expect(half.ok).toBe(false);
    expect(half.variables.find(({ name }) => name === "CONSOLE_GROUPS")).toMatchObject({
      state: "missing",
      problems: ["CONSOLE_GROUPS is required to turn the console on"],
      fix: "the Okta groups whose members may sign in, comma-separated, e.g. Helpdesk",
    });
    expect(half.problems.find(({ functions }) => functions.includes("console"))).toBeDefined();
  });

  it.each([
    [{ CONSOLE_OKTA_ISSUER: "http://example.okta.com" }, "CONSOLE_OKTA_ISSUER must be an https URL"],
    [{ CONSOLE_SESSION_KEY: "short" }, "CONSOLE_SESSION_KEY must be at least 32 characters"],
    [{ CONSOLE_GROUPS: " , " }, "CONSOLE_GROUPS must name at least one Okta group"],
    [{ CONSOLE_SESSION_HOURS: "9" }, "CONSOLE_SESSION_HOURS must be a whole number of hours from 1 to 8"],
  ])("refuses a weak or wrong value: %j", (change, problem) => {
    const parsed = parseConsoleConfig({ ...consoleEnv("https://example.okta.com"), ...change });
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problems.map(({ message }) => message.split(" (")[0])).toEqual([problem]);
  });

  it("without the hook's phone-hash key, runs and warns that phone lookups are off", () => {
    const parsed = parseConsoleConfig(consoleEnv("https://example.okta.com"));
    expect(parsed.ok).toBe(true);
    expect(parsed.warnings.map(({ variables }) => variables)).toEqual([["PHONE_HASH_KEY"]]);
    const keyed = parseConsoleConfig({ ...consoleEnv("https://example.okta.com"), PHONE_HASH_KEY: "k".repeat(32) });
    expect(keyed.warnings).toEqual([]);
  });

  it("asks the org's authorization server for its groups scope, a custom one for the standard scopes only", () => {
    const scopeOf = (issuer: string) => {
      const parsed = parseConsoleConfig(consoleEnv(issuer));
      return parsed.ok && parsed.config.enabled ? parsed.config.scope : undefined;
    };
    expect(scopeOf("https://example.okta.com")).toBe("openid profile email groups");
    expect(scopeOf("https://example.okta.com/oauth2/default")).toBe("openid profile email");
  });
});

describe("signing in through Okta", () => {
  it("sends the agent to Okta with PKCE (S256), a state and a nonce, and keeps them sealed in a short-lived cookie", async () => {
    const { call, jar } = consoleOf();
    const start = await call("/console/auth/sign-in");
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get("location") ?? "");
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${okta.issuer}/oauth2/v1/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      client_id: "0oa-console-test",
      response_type: "code",
      redirect_uri: `${site}/console/auth/callback`,
      code_challenge_method: "S256",
      scope: "openid profile email groups",
    });
    for (const param of ["state", "nonce", "code_challenge"])
      expect(authorize.searchParams.get(param)).toMatch(/^.{22,}$/);
    const sealed = jar.cookies.get("__Host-console-sign-in") ?? "";
    // Sealed: neither the verifier nor the state can be read from the cookie.
    expect(sealed).not.toContain(authorize.searchParams.get("state"));
    expect(jar.attributes.get("__Host-console-sign-in")).toBe("Path=/; Max-Age=600; HttpOnly; Secure; SameSite=Lax");
  });

  it("a member of a console group gets an HttpOnly, Secure, SameSite=Strict session of at most 8 hours", async () => {
    const { landing, jar, call } = await signIn();
    expect(landing.status).toBe(302);
    expect(landing.headers.get("location")).toBe("/console/");
    expect(jar.attributes.get(sessionCookie)).toBe("Path=/; Max-Age=28800; HttpOnly; Secure; SameSite=Strict");
    expect(jar.cookies.has("__Host-console-sign-in")).toBe(false);
    expect(okta.tokenRequests).toEqual([{ accepted: true }]);
    const session = await call("/console/api/session");
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ agent: { name: "Ada Agent", login: "ada@example.com" }, local: true });
  });

  it("the session holds no Okta token: the cookie is small and sealed", async () => {
    const { jar } = await signIn();
    const cookie = jar.cookies.get(sessionCookie) ?? "";
    expect(cookie.split(".")).toHaveLength(5); // a JWE: encrypted, not a readable JWT
    expect(cookie).not.toContain("ada@example.com");
    expect(cookie.length).toBeLessThan(600);
  });

  it.each([
    ["/console/health/", "/console/health/"],
    ["/console/?q=ada%40example.com", "/console/?q=ada%40example.com"],
    ["https://evil.example/", "/console/"],
    ["//evil.example/console/", "/console/"],
    ["/console//evil.example", "/console/"],
    ["/elsewhere", "/console/"],
  ])("open redirect: a sign-in started from %s lands on %s", async (from, landing) => {
    const { landing: response } = await signIn(consoleOf(), `/console/auth/sign-in?return=${encodeURIComponent(from)}`);
    expect(response.headers.get("location")).toBe(landing);
  });

  it("a signed-in Okta user outside CONSOLE_GROUPS gets no access and no session", async () => {
    okta.user = { ...helpdeskAgent, groups: ["Everyone", "Sales"] };
    const { landing, jar, call } = await signIn();
    expect(landing.headers.get("location")).toBe("/console/?signin=no-access");
    expect(jar.cookies.has(sessionCookie)).toBe(false);
    expect((await call("/console/api/session")).status).toBe(401);
  });

  it("an Okta app without the groups claim is told apart from a user without access", async () => {
    okta.user = { ...helpdeskAgent, groups: undefined };
    const { landing, jar } = await signIn();
    expect(landing.headers.get("location")).toBe("/console/?signin=no-groups-claim");
    expect(jar.cookies.has(sessionCookie)).toBe(false);
  });

  it("login CSRF: Okta's answer to a sign-in this browser did not start is refused before any token request", async () => {
    const attacker = await signIn().then(({ back }) => back); // a code the attacker got for themself
    okta.tokenRequests.length = 0;
    const victim = consoleOf();
    await victim.call("/console/auth/sign-in"); // the victim's own sign-in, with another state
    const landing = await victim.call(`${attacker.pathname}${attacker.search}`);
    expect(landing.headers.get("location")).toBe("/console/?signin=expired");
    expect(victim.jar.cookies.has(sessionCookie)).toBe(false);
    expect(okta.tokenRequests).toEqual([]);
  });

  it("a callback without the sign-in's cookie (another browser, or too late) starts over", async () => {
    const { back } = await signIn();
    const other = consoleOf();
    const landing = await other.call(`${back.pathname}${back.search}`);
    expect(landing.headers.get("location")).toBe("/console/?signin=expired");
    expect(other.jar.cookies.has(sessionCookie)).toBe(false);
  });

  it("a replayed code is refused by Okta and signs nobody in", async () => {
    const first = await signIn();
    const replay = consoleOf();
    const start = await replay.call("/console/auth/sign-in");
    const state = new URL(start.headers.get("location") ?? "").searchParams.get("state") ?? "";
    const back = new URLSearchParams(first.back.search);
    back.set("state", state);
    const landing = await replay.call(`/console/auth/callback?${back}`);
    expect(landing.headers.get("location")).toBe("/console/?signin=failed");
    expect(okta.tokenRequests.at(-1)).toEqual({ accepted: false, error: "invalid_grant" });
  });

  it("login CSRF: an Okta error on a callback this browser did not start is not shown (the state is compared first)", async () => {
    const { call } = consoleOf();
    await call("/console/auth/sign-in");
    const landing = await call("/console/auth/callback?error=access_denied&state=not-this-browsers");
    expect(landing.headers.get("location")).toBe("/console/?signin=expired");
    expect(okta.tokenRequests).toEqual([]);
  });

  it("two tabs signing in at once: the older tab's answer is expired, the newer one signs in", async () => {
    const { call, jar } = consoleOf();
    const first = await call("/console/auth/sign-in");
    const second = await call("/console/auth/sign-in"); // the same browser's cookie, overwritten
    const backOf = async (start: Response) => {
      const atOkta = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
      const back = new URL(atOkta.headers.get("location") ?? "");
      return `${back.pathname}${back.search}`;
    };
    const [firstBack, secondBack] = [await backOf(first), await backOf(second)];
    expect((await call(firstBack)).headers.get("location")).toBe("/console/?signin=expired");
    expect(okta.tokenRequests).toEqual([]);
    expect((await call(secondBack)).headers.get("location")).toBe("/console/");
    expect(jar.cookies.has(sessionCookie)).toBe(true);
  });

  it("Okta out of reach: the page says so, and nothing is sealed", async () => {
    const { call, jar } = consoleOf(consoleEnv("http://127.0.0.1:9"));
    const start = await call("/console/auth/sign-in");
    expect(start.headers.get("location")).toBe("/console/?signin=okta-unavailable");
    expect(jar.cookies.size).toBe(0);
  });

  it("Okta's own refusal (the app is not assigned to the user) is no access", async () => {
    const { call } = consoleOf();
    const start = await call("/console/auth/sign-in");
    const state = new URL(start.headers.get("location") ?? "").searchParams.get("state") ?? "";
    const landing = await call(`/console/auth/callback?error=access_denied&state=${state}`);
    expect(landing.headers.get("location")).toBe("/console/?signin=no-access");
  });
});

describe("the session", () => {
  const settings = () => {
    const parsed = parseConsoleConfig(consoleEnv(okta.issuer));
    if (!parsed.ok || !parsed.config.enabled) throw new Error("test configuration");
    return parsed.config;
  };
  const claims = { sub: helpdeskAgent.sub, name: helpdeskAgent.name, login: helpdeskAgent.login, groups: ["Helpdesk"] };
  const sealerOf = (key: string) => createSealer(key, { session: 8 * 3600, "sign-in": 600 });

  it("a group taken out of CONSOLE_GROUPS ends its members' sessions at their next call", async () => {
    const { jar } = await signIn();
    const same = consoleOf(consoleEnv(okta.issuer), undefined, jar);
    expect((await same.call("/console/api/session")).status).toBe(200);
    const narrowed = consoleOf({ ...consoleEnv(okta.issuer), CONSOLE_GROUPS: "Okta Admins" }, undefined, jar);
    expect((await narrowed.call("/console/api/session")).status).toBe(401);
    expect((await narrowed.call("/console/api/health?period=24h")).status).toBe(401);
    expect(narrowed.records.asked).toEqual([]);
  });

  it("a session sealed without the groups that let it in is refused", async () => {
    const { groups: _groups, ...withoutGroups } = claims;
    const sealed = await sealerOf(settings().sessionKey).seal(
      "session",
      withoutGroups,
      new Date(Date.now() + 3_600_000),
    );
    const response = await consoleOf().call("/console/api/session", {
      headers: { cookie: `${sessionCookie}=${sealed}` },
    });
    expect(response.status).toBe(401);
  });

  it("a shorter CONSOLE_SESSION_HOURS ends the longer sessions sealed before it", async () => {
    const signedInAt = Date.now();
    const { jar } = await signIn(consoleOf(consoleEnv(okta.issuer), () => new Date(signedInAt)));
    const twoHoursOn = () => new Date(signedInAt + 2 * 3_600_000);
    const eightHours = consoleOf(consoleEnv(okta.issuer), twoHoursOn, jar);
    expect((await eightHours.call("/console/api/session")).status).toBe(200);
    const oneHour = consoleOf({ ...consoleEnv(okta.issuer), CONSOLE_SESSION_HOURS: "1" }, twoHoursOn, jar);
    expect((await oneHour.call("/console/api/session")).status).toBe(401);
  });

  it("a new CONSOLE_SESSION_KEY ends every session (a copied cookie included)", async () => {
    const { jar } = await signIn();
    const rotated = consoleOf(
      { ...consoleEnv(okta.issuer), CONSOLE_SESSION_KEY: "a-new-site-key-after-a-revocation-000000000" },
      undefined,
      jar,
    );
    expect((await rotated.call("/console/api/session")).status).toBe(401);
  });

  it("an expired session is signed out", async () => {
    const sealed = await sealerOf(settings().sessionKey).seal("session", claims, new Date(Date.now() - 1000));
    const { call } = consoleOf();
    const response = await call("/console/api/session", { headers: { cookie: `${sessionCookie}=${sealed}` } });
    expect(response.status).toBe(401);
  });

  it("a session sealed with another site's key is refused", async () => {
    const forged = await sealerOf("another-site-key-that-is-long-enough-000000").seal(
      "session",
      claims,
      new Date(Date.now() + 3_600_000),
    );
    const response = await consoleOf().call("/console/api/session", {
      headers: { cookie: `${sessionCookie}=${forged}` },
    });
    expect(response.status).toBe(401);
  });

  it("a sign-in cookie cannot stand in for a session (each purpose has its own key)", async () => {
    const sealed = await sealerOf(settings().sessionKey).seal("sign-in", claims, new Date(Date.now() + 600_000));
    const response = await consoleOf().call("/console/api/session", {
      headers: { cookie: `${sessionCookie}=${sealed}` },
    });
    expect(response.status).toBe(401);
  });

  it("a tampered session is refused", async () => {
    const { jar, call } = await signIn();
    const cookie = jar.cookies.get(sessionCookie) ?? "";
    const parts = cookie.split(".");
    parts[3] = `${parts[3]?.startsWith("A") ? "B" : "A"}${parts[3]?.slice(1)}`;
    jar.cookies.set(sessionCookie, parts.join("."));
    expect((await call("/console/api/session")).status).toBe(401);
  });

  it("sign-out clears the session, from a form of this site only", async () => {
    const { call, jar } = await signIn();
    const crossSite = await call("/console/auth/sign-out", {
      method: "POST",
      headers: { origin: "https://evil.example" },
    });
    expect(crossSite.status).toBe(403);
    expect(jar.cookies.has(sessionCookie)).toBe(true);
    const nullOrigin = await call("/console/auth/sign-out", { method: "POST", headers: { origin: "null" } });
    expect(nullOrigin.status).toBe(403);
    const out = await call("/console/auth/sign-out", { method: "POST", headers: { origin: site } });
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/console/?signin=signed-out");
    expect(jar.cookies.has(sessionCookie)).toBe(false);
  });

  it("a page whose referrer policy sends Origin: null signs out by Fetch Metadata", async () => {
    const { call, jar } = await signIn();
    const out = await call("/console/auth/sign-out", {
      method: "POST",
      headers: { origin: "null", "sec-fetch-site": "same-origin" },
    });
    expect(out.status).toBe(303);
    expect(jar.cookies.has(sessionCookie)).toBe(false);
  });
});

describe("the console's JSON", () => {
  it("answers nothing without a session", async () => {
    const { call, records } = consoleOf();
    expect((await call("/console/api/health?period=24h")).status).toBe(401);
    expect((await lookUp(call, { q: "ada@example.com" })).status).toBe(401);
    expect(records.asked).toEqual([]);
  });

  it("a lookup reaches the records as the agent typed it, checked", async () => {
    const { call, records } = await signIn();
    expect((await lookUp(call, { q: "+1 (555) 010-0199" })).status).toBe(200);
    expect((await lookUp(call, { q: "ada@example.com" })).status).toBe(200);
    expect((await lookUp(call, { q: "abc", by: "phone" })).status).toBe(400);
    expect((await lookUp(call, { q: "0123456789abcdef0123456789ABCDEF" })).status).toBe(200);
    expect(records.asked).toEqual([
      { kind: "phone", value: "15550100199" },
      { kind: "user", value: "ada@example.com" },
      { kind: "reference", value: "0123456789ABCDEF0123456789ABCDEF" },
    ]);
  });

  it("a lookup is a POST of this site's pages: never a GET (the number would be in a URL), never cross-site", async () => {
    const { call, records } = await signIn();
    expect((await call("/console/api/lookup?q=ada@example.com")).status).toBe(405);
    const crossSite = await call("/console/api/lookup", {
      method: "POST",
      headers: { origin: "https://evil.example", "content-type": "application/json" },
      body: JSON.stringify({ q: "ada@example.com" }),
    });
    expect(crossSite.status).toBe(403);
    expect((await lookUp(call, "not json")).status).toBe(400);
    expect(records.asked).toEqual([]);
  });

  it("health covers whole hours of the period asked, and nothing else", async () => {
    const { call, records } = await signIn();
    expect((await call("/console/api/health?period=7d")).status).toBe(200);
    expect((await call("/console/api/health?period=1y")).status).toBe(400);
    // A name every object inherits is no period: a precise 400, not a 500 from NaN dates.
    for (const inherited of ["toString", "constructor", "__proto__"]) {
      expect((await call(`/console/api/health?period=${inherited}`)).status).toBe(400);
    }
    const [asked] = records.asked as { from: string; to: string }[];
    const hours = (Date.parse(asked?.to ?? "") - Date.parse(asked?.from ?? "")) / 3_600_000;
    expect(hours).toBeGreaterThan(167);
    expect(hours).toBeLessThanOrEqual(168);
    expect(asked?.from).toMatch(/T\d\d:00:00\.000Z$/);
  });

  describe("the costliest read, shared: health figures", () => {
    /** Records whose health reads are counted, and wait for the test to let them go when `held`. */
    async function signedIn(clock: { now: Date }, held = false) {
      const reads: { from: string; release: (fail?: boolean) => void }[] = [];
      const records = {
        lookup: async () => [],
        health: (from: Date, to: Date) =>
          new Promise<ReturnType<typeof emptyFigures>>((resolve, reject) => {
            const release = (fail?: boolean) =>
              fail ? reject(new Error("database down")) : resolve(emptyFigures(from, to));
            reads.push({ from: from.toISOString(), release });
            if (!held) release();
          }),
      };
      const handle = createConsole({
        config: parseConsoleConfig(consoleEnv(okta.issuer)),
        records: () => records,
        now: () => clock.now,
      });
      const jar = new CookieJar();
      const call = async (path: string) => {
        const response = await handle(new Request(new URL(path, site), { headers: { cookie: jar.header() } }));
        jar.take(response);
        return response;
      };
      await signIn({ handle, jar, call, records: recordingRecords() });
      const readsReach = (count: number) => vi.waitFor(() => expect(reads).toHaveLength(count), { timeout: 30_000 });
      return { reads, call, readsReach };
    }

    it("a burst of page loads is one query: requests share the one in flight, and later ones reuse it for a minute", async () => {
      const clock = { now: new Date("2026-12-06T10:30:00.000Z") };
      const { reads, call, readsReach } = await signedIn(clock, true);
      const answers = [call("/console/api/health?period=24h"), call("/console/api/health?period=24h")];
      await readsReach(1);
      reads[0]?.release();
      expect((await Promise.all(answers)).map(({ status }) => status)).toEqual([200, 200]);
      clock.now = new Date("2026-12-06T10:30:59.000Z");
      expect((await call("/console/api/health?period=24h")).status).toBe(200);
      expect(reads).toHaveLength(1);
      clock.now = new Date("2026-12-06T10:31:00.000Z");
      const fresh = call("/console/api/health?period=24h");
      await readsReach(2);
      reads[1]?.release();
      expect((await fresh).status).toBe(200);
    });

    it("each period and each hour has its own figures", async () => {
      const clock = { now: new Date("2026-12-06T10:59:30.000Z") };
      const { reads, call } = await signedIn(clock);
      await call("/console/api/health?period=24h");
      await call("/console/api/health?period=7d");
      clock.now = new Date("2026-12-06T11:00:00.000Z"); // a new hour: the period's first hour moves on
      await call("/console/api/health?period=24h");
      expect(reads.map(({ from }) => from)).toEqual([
        "2026-12-05T11:00:00.000Z",
        "2026-11-29T11:00:00.000Z",
        "2026-12-05T12:00:00.000Z",
      ]);
    });

    it("a failed read is not kept: the next load asks the database again", async () => {
      const clock = { now: new Date("2026-12-06T10:30:00.000Z") };
      const { reads, call, readsReach } = await signedIn(clock, true);
      const failed = call("/console/api/health?period=24h");
      await readsReach(1);
      reads[0]?.release(true);
      expect((await failed).status).toBe(503);
      const again = call("/console/api/health?period=24h");
      await readsReach(2);
      reads[1]?.release();
      expect((await again).status).toBe(200);
    });
  });

  it("concurrent reads of one key share one promise (sharedReads)", async () => {
    const share = sharedReads<number>(() => new Date(0), 60_000);
    let reads = 0;
    const read = () => new Promise<number>((resolve) => setTimeout(() => resolve(++reads), 0));
    const [first, second] = [share("24h", read), share("24h", read)];
    expect(second).toBe(first);
    expect(await Promise.all([first, second])).toEqual([1, 1]);
    expect(reads).toBe(1);
  });

  it("never answers with CORS headers", async () => {
    const { call } = await signIn();
    const response = await call("/console/api/session", { headers: { origin: "https://evil.example" } });
    expect([...response.headers.keys()].filter((name) => name.startsWith("access-control-"))).toEqual([]);
  });
});
