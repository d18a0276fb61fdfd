import { randomBytes } from "node:crypto";
import { isSecureUrl } from "../src/config.ts";
import { messageOf } from "../src/support/error-text.ts";
import { exitCodes, parseOptions, UsageError, type Values } from "../tools/command-line.ts";
import type { CommandIO } from "./okta-command.ts";
import { isOktaApiFailure, oktaClientOf } from "./okta-management.ts";

/**
 * `npm run okta -- setup --console --site-url <url>`: the helpdesk console's OpenID Connect app in
 * the org, created or brought up to date through Okta's Management API (its redirect URIs, the
 * authorization code grant with PKCE, its groups assigned), and the variables that turn the
 * console on. Running it again never makes a second app.
 */

export const defaultConsoleAppName = "Helpdesk console (Telesign codes)";

const usage = `Usage: npm run okta -- setup --console --site-url <https URL> --groups <names> [options]

Creates the helpdesk console's Okta app (OpenID Connect, web, authorization code with PKCE), or
updates the one of the same name, assigns it the groups, and prints the variables to set in
Netlify. The client secret is shown once, when the app is created.

Options:
  --site-url <url>   the site: https://<your-site>.netlify.app (required)
  --groups <names>   Okta groups whose members may sign in, comma-separated (required),
                     e.g. "Helpdesk,Okta Admins": assigned to the app, and CONSOLE_GROUPS
  --name <name>      the app's name in Okta (default "${defaultConsoleAppName}")
  --json, --help

Okta credentials, from the environment: OKTA_ORG_URL, and OKTA_API_TOKEN (an admin allowed to
manage apps and read groups) or a service app (OKTA_SERVICE_CLIENT_ID, OKTA_SERVICE_PRIVATE_KEY,
OKTA_SERVICE_KEY_ID; scopes okta.apps.read, okta.apps.manage, okta.groups.read).

Example:
  npm run okta -- setup --console --site-url https://my-hook.netlify.app --groups "Helpdesk,Okta Admins"`;

const options = {
  console: { type: "boolean" },
  "site-url": { type: "string" },
  groups: { type: "string" },
  name: { type: "string", default: defaultConsoleAppName },
  json: { type: "boolean", default: false },
} as const;

interface Settings {
  siteUrl: string;
  groups: string[];
  name: string;
}

function settingsOf(values: Values): Settings {
  const siteUrl = (values["site-url"] as string | undefined)?.replace(/\/+$/, "");
  if (siteUrl === undefined) throw new UsageError("--site-url is required: https://<your-site>.netlify.app");
  if (!URL.canParse(siteUrl) || !isSecureUrl(new URL(siteUrl)) || new URL(siteUrl).pathname !== "/") {
    throw new UsageError(
      "--site-url takes the site's https:// address, with no path, e.g. https://my-hook.netlify.app",
    );
  }
  const groups = ((values.groups as string | undefined) ?? "")
    .split(",")
    .map((group) => group.trim())
    .filter((group) => group !== "");
  if (groups.length === 0)
    throw new UsageError('--groups is required: the Okta groups that may sign in, e.g. "Helpdesk"');
  const name = (values.name as string).trim();
  if (name === "") throw new UsageError("--name takes a non-empty name");
  return { siteUrl, groups, name };
}

/** The app as Okta's Apps API takes it: a confidential web client, code flow only, PKCE required. */
function appOf({ siteUrl, name }: Settings): OktaApp {
  return {
    name: "oidc_client",
    label: name,
    signOnMode: "OPENID_CONNECT",
    credentials: { oauthClient: { token_endpoint_auth_method: "client_secret_basic", pkce_required: true } },
    settings: {
      oauthClient: {
        application_type: "web",
        client_uri: `${siteUrl}/console/`,
        initiate_login_uri: `${siteUrl}/console/auth/sign-in`,
        redirect_uris: [`${siteUrl}/console/auth/callback`],
        response_types: ["code"],
        grant_types: ["authorization_code"],
        consent_method: "TRUSTED",
      },
    },
  };
}

/**
 * An existing app brought up to date: what the console needs is set, the redirect URIs (and grant
 * and response types) are the union of the app's and the console's, and everything else an admin
 * set (other redirect URIs, sign-out URIs, logo, policies) is kept as it is.
 */
function mergedApp(existing: OktaApp, wanted: OktaApp): OktaApp {
  const union = (key: string) => [
    ...new Set([...listOf(existing.settings?.oauthClient?.[key]), ...listOf(wanted.settings?.oauthClient?.[key])]),
  ];
  return {
    ...existing,
    label: wanted.label,
    credentials: {
      ...existing.credentials,
      oauthClient: { ...existing.credentials?.oauthClient, ...wanted.credentials?.oauthClient },
    },
    settings: {
      ...existing.settings,
      oauthClient: {
        ...existing.settings?.oauthClient,
        ...wanted.settings?.oauthClient,
        redirect_uris: union("redirect_uris"),
        response_types: union("response_types"),
        grant_types: union("grant_types"),
      },
    },
  };
}

const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

interface OktaApp {
  id?: string;
  name?: string;
  label?: string;
  signOnMode?: string;
  credentials?: { oauthClient?: { client_id?: string; client_secret?: string; [key: string]: unknown } };
  settings?: { oauthClient?: Record<string, unknown>; [key: string]: unknown };
  [key: string]: unknown;
}

export async function runConsoleSetup(args: string[], io: CommandIO): Promise<number> {
  const parsed = parseOptions(options, settingsOf, args);
  if (parsed.kind === "help") {
    io.out(usage);
    return exitCodes.done;
  }
  if (parsed.kind === "usage") {
    io.err(`error: ${parsed.message}\n\n${usage}`);
    return exitCodes.usage;
  }
  const json = args.includes("--json");
  const settings = parsed.values;
  try {
    const { orgUrl, client } = await oktaClientOf(io.env, ["okta.apps.read", "okta.apps.manage", "okta.groups.read"]);
    // Every group first: a typo stops the command before Okta holds an app it has no secret for.
    const groupIds: string[] = [];
    for (const group of settings.groups) {
      let id: string | undefined;
      for await (const found of await client.groupApi.listGroups({
        search: `profile.name eq "${group.replaceAll('"', '\\"')}"`,
      })) {
        id ??= found?.id;
      }
      if (id === undefined) {
        throw new SetupFailure(`Okta has no group named "${group}": create it (Directory › Groups) or fix --groups.`);
      }
      groupIds.push(id);
    }
    const wanted = appOf(settings);
    let existing: OktaApp | undefined;
    for await (const app of await client.applicationApi.listApplications({ q: settings.name })) {
      const candidate = app as OktaApp | null;
      if (candidate?.label === settings.name && candidate.signOnMode === "OPENID_CONNECT") existing = candidate;
    }
    let saved: OktaApp;
    if (existing?.id === undefined) {
      saved = (await client.applicationApi.createApplication({ application: wanted as never })) as OktaApp;
    } else {
      // The app as it is now, whole: a PUT replaces it, and must keep what an admin set.
      const current = (await client.applicationApi.getApplication({ appId: existing.id })) as unknown as OktaApp;
      saved = (await client.applicationApi.replaceApplication({
        appId: existing.id,
        application: { ...mergedApp(current, wanted), id: existing.id } as never,
      })) as OktaApp;
    }
    const appId = saved.id ?? existing?.id ?? "";
    for (const groupId of groupIds) {
      await client.applicationApi.assignGroupToApplication({ appId, groupId, applicationGroupAssignment: {} });
    }
    const clientId = saved.credentials?.oauthClient?.client_id ?? appId;
    const clientSecret = existing === undefined ? saved.credentials?.oauthClient?.client_secret : undefined;
    const sessionKey = randomBytes(32).toString("base64url");
    const variables = {
      CONSOLE_OKTA_ISSUER: orgUrl,
      CONSOLE_OKTA_CLIENT_ID: clientId,
      ...(clientSecret !== undefined && { CONSOLE_OKTA_CLIENT_SECRET: clientSecret }),
      CONSOLE_GROUPS: settings.groups.join(","),
      CONSOLE_SESSION_KEY: sessionKey,
    };
    const claimFilter = `^(${settings.groups.map((group) => group.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})$`;
    if (json) {
      io.out(
        JSON.stringify(
          {
            app: { id: appId, name: settings.name, created: existing === undefined, clientId },
            groups: settings.groups.map((name, index) => ({ name, id: groupIds[index] })),
            redirectUri: `${settings.siteUrl}/console/auth/callback`,
            variables,
            groupsClaim: { type: "FILTER", name: "groups", filter: "Matches regex", value: claimFilter },
          },
          null,
          2,
        ),
      );
      return exitCodes.done;
    }
    io.out(
      [
        `${existing === undefined ? "Created" : "Updated"} the Okta app "${settings.name}" (client id ${clientId}): sign-in redirect ${settings.siteUrl}/console/auth/callback, authorization code with PKCE.`,
        `Assigned to ${settings.groups.map((group) => `"${group}"`).join(", ")}.`,
        "",
        "One step Okta's Management API cannot take (the org authorization server's groups claim): in the Admin Console,",
        `  Applications › Applications › ${settings.name} › Sign On › OpenID Connect ID Token › Edit:`,
        `  Groups claim type Filter, Groups claim filter "groups" Matches regex ${claimFilter} › Save.`,
        "",
        "Set these in Netlify (Site configuration › Environment variables, scope Functions; mark the client secret and the session key secret), then redeploy:",
        ...Object.entries(variables).map(([name, value]) => `  ${name}=${value}`),
        ...(clientSecret !== undefined
          ? ["The client secret is shown only now: Okta never returns it again."]
          : [
              "CONSOLE_OKTA_CLIENT_SECRET: unchanged (Okta shows an app's secret only when it is made: Admin Console › the app › General › Client secrets).",
            ]),
        "A new CONSOLE_SESSION_KEY signs every agent out: keep the one you have if the console is already on.",
      ].join("\n"),
    );
    return exitCodes.done;
  } catch (error) {
    const sentence = failureOf(error);
    if (json) io.out(JSON.stringify({ error: sentence }));
    io.err(`error: ${sentence}`);
    return exitCodes.failed;
  }
}

class SetupFailure extends Error {
  override name = "SetupFailure";
}

function failureOf(error: unknown): string {
  if (error instanceof SetupFailure) return error.message;
  if (isOktaApiFailure(error)) {
    const code = error.errorCode ?? `HTTP ${error.status}`;
    const summary = (error.errorSummary ?? "").replace(/\.$/, "");
    const causes = (error.errorCauses ?? []).map((cause) => cause.errorSummary).filter(Boolean);
    if (error.errorCode === "E0000006") {
      return `Okta says this admin may not manage apps or read groups (${code}: ${summary}): use a super admin's token, or grant the service app okta.apps.manage and okta.groups.read.`;
    }
    return `Okta refused it (${code}: ${summary}${causes.length > 0 ? `: ${causes.join("; ")}` : ""}).`;
  }
  return messageOf(error);
}
