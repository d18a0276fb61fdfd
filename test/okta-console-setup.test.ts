import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runOktaCommand } from "../admin/okta-command.ts";
import { parseConsoleConfig } from "../src/console/console-config.ts";
import { markSensitive } from "./support/sensitive.ts";

/**
 * `npm run okta -- setup --console`: the console's OpenID Connect app through Okta's Apps and
 * Groups APIs (a fake on loopback, after Okta's OpenAPI spec: create answers the client secret
 * once, reads never do; PUT replaces the whole app; group assignments are idempotent).
 */

const apiToken = "00fakeConsoleSetupToken000000000000000000";
const siteUrl = "https://helpdesk-site.example";

interface App {
  id: string;
  label: string;
  signOnMode: string;
  credentials: { oauthClient: Record<string, unknown> };
  settings: { oauthClient: Record<string, unknown> };
}

let okta: { url: string; apps: App[]; assignments: string[]; requests: string[]; close(): Promise<void> };

beforeEach(async () => {
  const apps: App[] = [];
  const assignments: string[] = [];
  const requests: string[] = [];
  const groups = [
    { id: "00ghelpdesk000000001", profile: { name: "Helpdesk" } },
    { id: "00gadmins00000000002", profile: { name: "Okta Admins" } },
  ];
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
    const url = new URL(request.url ?? "/", "http://okta");
    requests.push(`${request.method} ${url.pathname}`);
    const answer = (status: number, value: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(value));
    };
    if (request.headers.authorization !== `SSWS ${apiToken}`) {
      return answer(401, { errorCode: "E0000011", errorSummary: "Invalid token provided", errorCauses: [] });
    }
    const appPath = /^\/api\/v1\/apps\/([^/]+)$/.exec(url.pathname);
    const assignPath = /^\/api\/v1\/apps\/([^/]+)\/groups\/([^/]+)$/.exec(url.pathname);
    if (request.method === "GET" && url.pathname === "/api/v1/apps") {
      const q = url.searchParams.get("q") ?? "";
      // Reads never return the client secret.
      return answer(
        200,
        apps
          .filter((app) => app.label.startsWith(q))
          .map((app) => ({
            ...app,
            credentials: { oauthClient: { ...app.credentials.oauthClient, client_secret: undefined } },
          })),
      );
    }
    if (request.method === "POST" && url.pathname === "/api/v1/apps") {
      const app: App = {
        ...body,
        id: `0oa${randomBytes(8).toString("hex")}`,
        credentials: {
          oauthClient: {
            ...body.credentials.oauthClient,
            client_id: `0oa${randomBytes(8).toString("hex")}`,
            client_secret: `secret-${randomBytes(16).toString("hex")}`,
          },
        },
      };
      apps.push(app);
      return answer(200, app);
    }
    if (request.method === "GET" && appPath !== null) {
      const app = apps.find(({ id }) => id === appPath[1]);
      if (app === undefined) return answer(404, { errorCode: "E0000007", errorSummary: "Not found", errorCauses: [] });
      return answer(200, {
        ...app,
        credentials: { oauthClient: { ...app.credentials.oauthClient, client_secret: undefined } },
      });
    }
    if (request.method === "PUT" && appPath !== null) {
      const index = apps.findIndex((app) => app.id === appPath[1]);
      if (index === -1) return answer(404, { errorCode: "E0000007", errorSummary: "Not found", errorCauses: [] });
      const kept = apps[index] as App;
      apps[index] = {
        ...body,
        id: kept.id,
        credentials: {
          oauthClient: {
            ...body.credentials.oauthClient,
            client_id: kept.credentials.oauthClient.client_id,
            client_secret: kept.credentials.oauthClient.client_secret,
          },
        },
      };
      return answer(200, {
        ...apps[index],
        credentials: { oauthClient: { client_id: kept.credentials.oauthClient.client_id } },
      });
    }
    if (request.method === "GET" && url.pathname === "/api/v1/groups") {
      const name = /profile\.name eq "(.*)"/.exec(url.searchParams.get("search") ?? "")?.[1];
      return answer(
        200,
        groups.filter((group) => group.profile.name === name),
      );
    }
    if (request.method === "PUT" && assignPath !== null) {
      const key = `${assignPath[1]} ${assignPath[2]}`;
      if (!assignments.includes(key)) assignments.push(key);
      return answer(200, { id: assignPath[2], priority: 0 });
    }
    answer(404, { errorCode: "E0000007", errorSummary: "Not found", errorCauses: [] });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  okta = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    apps,
    assignments,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
});
afterEach(() => okta.close());

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runOktaCommand(args, {
    env: { OKTA_ORG_URL: okta.url, OKTA_API_TOKEN: apiToken },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const setup = ["setup", "--console", "--site-url", siteUrl, "--groups", "Helpdesk, Okta Admins"];

describe("npm run okta -- setup --console", () => {
  it("creates a web app for the code flow with PKCE, redirecting to the site's callback only, and assigns the groups", async () => {
    const { code, out } = await run(setup);
    expect(code).toBe(0);
    expect(okta.apps).toHaveLength(1);
    const [app] = okta.apps;
    expect(app?.signOnMode).toBe("OPENID_CONNECT");
    expect(app?.credentials.oauthClient).toMatchObject({
      token_endpoint_auth_method: "client_secret_basic",
      pkce_required: true,
    });
    expect(app?.settings.oauthClient).toMatchObject({
      application_type: "web",
      redirect_uris: [`${siteUrl}/console/auth/callback`],
      response_types: ["code"],
      grant_types: ["authorization_code"],
    });
    expect(app?.settings.oauthClient.post_logout_redirect_uris).toBeUndefined(); // sign-out is the console's own
    expect(okta.assignments).toEqual([`${app?.id} 00ghelpdesk000000001`, `${app?.id} 00gadmins00000000002`]);
    expect(out).toContain("Groups claim type Filter");
    expect(out).toContain("^(Helpdesk|Okta Admins)$");
  });

  it("prints variables the console accepts as they are, the client secret once", async () => {
    const { out } = await run(setup);
    const secret = okta.apps[0]?.credentials.oauthClient.client_secret as string;
    markSensitive(secret);
    const variables = Object.fromEntries(
      [...out.matchAll(/^ {2}(CONSOLE_[A-Z_]+)=(.+)$/gm)].map((match) => [match[1], match[2]]),
    );
    expect(variables.CONSOLE_OKTA_CLIENT_SECRET).toBe(secret);
    const parsed = parseConsoleConfig(variables);
    expect(parsed.ok && parsed.config.enabled && parsed.config.groups).toEqual(["Helpdesk", "Okta Admins"]);
  });

  it("run again, updates the same app (never a second) and never shows a secret it does not have", async () => {
    await run(setup);
    const { code, out } = await run([...setup, "--json"]);
    expect(code).toBe(0);
    expect(okta.apps).toHaveLength(1);
    const result = JSON.parse(out);
    expect(result.app.created).toBe(false);
    expect(result.variables.CONSOLE_OKTA_CLIENT_SECRET).toBeUndefined();
    expect(
      okta.requests.filter((request) => request.startsWith("PUT /api/v1/apps/") && !request.includes("/groups/")),
    ).toHaveLength(1);
    expect(okta.assignments).toHaveLength(2);
  });

  it("a lost client secret: a typo'd group stops it before any app is created or changed", async () => {
    const { code, err } = await run(["setup", "--console", "--site-url", siteUrl, "--groups", "Helpdesk, Helpdsk"]);
    expect(code).toBe(1);
    expect(err).toBe('error: Okta has no group named "Helpdsk": create it (Directory › Groups) or fix --groups.');
    expect(okta.apps).toEqual([]);
    expect(okta.requests.filter((request) => !request.startsWith("GET "))).toEqual([]);
  });

  it("a rerun keeps what an admin added to the app: its other redirect URIs, sign-out URIs and settings", async () => {
    await run(setup);
    const [app] = okta.apps as [App];
    app.settings.oauthClient.redirect_uris = [
      ...(app.settings.oauthClient.redirect_uris as string[]),
      "https://helpdesk-staging.example/console/auth/callback",
    ];
    app.settings.oauthClient.post_logout_redirect_uris = ["https://helpdesk-site.example/bye"];
    app.settings.oauthClient.logo_uri = "https://helpdesk-site.example/logo.png";
    const { code } = await run(setup);
    expect(code).toBe(0);
    expect(okta.apps[0]?.settings.oauthClient).toMatchObject({
      redirect_uris: [`${siteUrl}/console/auth/callback`, "https://helpdesk-staging.example/console/auth/callback"],
      post_logout_redirect_uris: ["https://helpdesk-site.example/bye"],
      logo_uri: "https://helpdesk-site.example/logo.png",
      grant_types: ["authorization_code"],
    });
    // The secret the app was made with is kept: the console's CONSOLE_OKTA_CLIENT_SECRET still works.
    expect(okta.apps[0]?.credentials.oauthClient.client_secret).toBe(app.credentials.oauthClient.client_secret);
  });

  it.each([
    [["setup", "--console", "--groups", "Helpdesk"], "--site-url is required"],
    [
      ["setup", "--console", "--site-url", "http://helpdesk.example", "--groups", "Helpdesk"],
      "--site-url takes the site's https:// address",
    ],
    [["setup", "--console", "--site-url", `${siteUrl}/console`, "--groups", "Helpdesk"], "with no path"],
    [["setup", "--console", "--site-url", siteUrl], "--groups is required"],
  ])("a usage mistake (%j) exits 2 before Okta is called", async (args, message) => {
    const { code, err } = await run(args);
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(okta.requests).toEqual([]);
  });

  it("a refused token is one line", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runOktaCommand(setup, {
      env: { OKTA_ORG_URL: okta.url, OKTA_API_TOKEN: "wrong-token-000000000000" },
      out: (line) => out.push(line),
      err: (line) => err.push(line),
    });
    expect(code).toBe(1);
    expect(err).toEqual(["error: Okta refused it (E0000011: Invalid token provided)."]);
  });
});
