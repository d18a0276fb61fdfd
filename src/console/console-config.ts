import * as z from "zod/mini";
import {
  type ConfigFinding,
  type EnvironmentVariables,
  isSecureUrl,
  loopbackHosts,
  minPhoneHashKeyLength,
  type Parsed,
} from "../config.ts";

/**
 * The helpdesk console's configuration, from the same environment as the hook's. The console is
 * off until its variables are set: then every console API answers 404 and the hook is unaffected.
 * Problems name a variable and what is wrong with it, never its value.
 */

/** A session lasts at most this long: a helpdesk shift. */
const maxSessionHours = 8;

/** A session key shorter than this is guessable; `openssl rand -base64 32` gives 44 characters. */
const minSessionKeyLength = 32;

/** Every variable the console reads. */
export const consoleVariableNames = [
  "CONSOLE_OKTA_ISSUER",
  "CONSOLE_OKTA_CLIENT_ID",
  "CONSOLE_OKTA_CLIENT_SECRET",
  "CONSOLE_GROUPS",
  "CONSOLE_SESSION_KEY",
  "CONSOLE_SESSION_HOURS",
] as const;

type ConsoleVariable = (typeof consoleVariableNames)[number];

/** The console's variables, and the hook's phone-hash key it reads too. */
export type ConsoleVariableName = ConsoleVariable | "PHONE_HASH_KEY";

/** The variables that turn the console on: with none of them set, it is off. */
const requiredVariables = consoleVariableNames.filter((name) => name !== "CONSOLE_SESSION_HOURS");

export interface ConsoleSettings {
  /** Okta's issuer: the org (`https://example.okta.com`) or a custom authorization server. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Okta group names; membership of any one grants access. */
  groups: string[];
  sessionKey: string;
  sessionHours: number;
  /** What the sign-in asks Okta for: the org's authorization server has a `groups` scope of its own. */
  scope: string;
  /** The hook's key of the records' phone hash: without it, no lookup by phone. */
  phoneHashKey?: string;
  /** The issuer is on this machine: the local stand-in for Okta of `npm start`, said so on the page. */
  local: boolean;
}

export type ConsoleConfig = { enabled: false } | ({ enabled: true } & ConsoleSettings);

const issuerUrl = z
  .url({ protocol: /^https?$/, error: "must be an https URL" })
  .check(
    z.refine(
      (url) => !URL.canParse(url) || isSecureUrl(new URL(url)),
      "must be an https URL (http only to 127.0.0.1, localhost or [::1])",
    ),
  );

/** The console's configuration: off when none of its variables is set, else complete or a list of problems. */
export function parseConsoleConfig(env: EnvironmentVariables): Parsed<ConsoleConfig, ConsoleVariableName> {
  const value = (name: ConsoleVariable) => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === "" ? undefined : raw;
  };
  if (requiredVariables.every((name) => value(name) === undefined)) {
    return { ok: true, config: { enabled: false }, warnings: [] };
  }
  const problems: ConfigFinding<ConsoleVariableName>[] = [];
  const problem = (name: ConsoleVariableName, message: string) => problems.push({ variables: [name], message });
  for (const name of requiredVariables.filter((name) => value(name) === undefined)) {
    problem(name, `${name} is required to turn the console on`);
  }
  const issuer = value("CONSOLE_OKTA_ISSUER");
  const checkedIssuer = issuer === undefined ? undefined : issuerUrl.safeParse(issuer);
  if (checkedIssuer !== undefined && !checkedIssuer.success) {
    problem("CONSOLE_OKTA_ISSUER", `CONSOLE_OKTA_ISSUER ${checkedIssuer.error.issues[0]?.message ?? "is invalid"}`);
  }
  const groups = (value("CONSOLE_GROUPS") ?? "")
    .split(",")
    .map((group) => group.trim())
    .filter((group) => group !== "");
  if (value("CONSOLE_GROUPS") !== undefined && groups.length === 0) {
    problem("CONSOLE_GROUPS", "CONSOLE_GROUPS must name at least one Okta group");
  }
  const sessionKey = value("CONSOLE_SESSION_KEY") ?? "";
  if (sessionKey !== "" && sessionKey.length < minSessionKeyLength) {
    problem("CONSOLE_SESSION_KEY", `CONSOLE_SESSION_KEY must be at least ${minSessionKeyLength} characters`);
  }
  const hoursText = value("CONSOLE_SESSION_HOURS") ?? String(maxSessionHours);
  const sessionHours = Number(hoursText);
  if (!/^\d+$/.test(hoursText) || sessionHours < 1 || sessionHours > maxSessionHours) {
    problem(
      "CONSOLE_SESSION_HOURS",
      `CONSOLE_SESSION_HOURS must be a whole number of hours from 1 to ${maxSessionHours}`,
    );
  }
  const phoneHashKey = env.PHONE_HASH_KEY?.trim() || undefined;
  if (phoneHashKey !== undefined && phoneHashKey.length < minPhoneHashKeyLength) {
    problem("PHONE_HASH_KEY", `PHONE_HASH_KEY must be at least ${minPhoneHashKeyLength} characters`);
  }
  // Without the hook's phone-hash key the console runs, but cannot look a phone number up.
  const warnings: ConfigFinding<ConsoleVariableName>[] =
    phoneHashKey === undefined
      ? [
          {
            variables: ["PHONE_HASH_KEY"],
            message: "PHONE_HASH_KEY is not set: the console cannot look codes up by phone number",
          },
        ]
      : [];
  if (problems.length > 0) return { ok: false, problems, warnings };

  const issuerText = (issuer ?? "").replace(/\/+$/, "");
  const issuerPath = new URL(issuerText).pathname;
  return {
    ok: true,
    config: {
      enabled: true,
      issuer: issuerText,
      clientId: value("CONSOLE_OKTA_CLIENT_ID") ?? "",
      clientSecret: value("CONSOLE_OKTA_CLIENT_SECRET") ?? "",
      groups,
      sessionKey,
      sessionHours,
      phoneHashKey,
      // A custom authorization server (…/oauth2/<id>) has no `groups` scope unless its admin made one.
      scope: issuerPath.startsWith("/oauth2/") ? "openid profile email" : "openid profile email groups",
      local: loopbackHosts.has(new URL(issuerText).hostname),
    },
    warnings,
  };
}
