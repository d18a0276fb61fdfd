import { closest, distance } from "fastest-levenshtein";
import {
  configVariableNames,
  type EnvironmentVariables,
  parseCallbackConfig,
  parseConfig,
  parseRetentionConfig,
  parseStatusConfig,
} from "../src/config.ts";
import { consoleVariableNames, parseConsoleConfig } from "../src/console/console-config.ts";
import { guardVariableNames, guardVariables, parseGuardConfig } from "../src/fraud/guard-config.ts";

/**
 * The functions' configuration judged by their own parsers (the code that runs on Netlify), one
 * line per variable: set, unset, missing or invalid, with what is wrong and how to fix it. Never
 * a value.
 */

export type VariableState = "set" | "unset" | "missing" | "invalid";

export interface VariableReport {
  name: string;
  state: VariableState;
  /** What the parsers find wrong with this variable. */
  problems: string[];
  /** How to fix it, when there is a problem. */
  fix?: string;
}

/** A problem (the function cannot run) or a warning (it runs, doing less than it looks). */
export interface Finding {
  /** The functions that report it; none when it concerns none (a name no function reads). */
  functions: string[];
  /** The variables to change. */
  variables: string[];
  message: string;
  severity: "error" | "warning";
}

export interface ConfigurationReport {
  ok: boolean;
  variables: VariableReport[];
  /** Every finding, once, with every function that has it. */
  problems: Finding[];
}

/** How to fix each variable: one entry per variable the functions read (the type says so). */
const fixes: Record<(typeof configVariableNames)[number], string> = {
  TELESIGN_CUSTOMER_ID: "your customer id, from the Telesign portal",
  TELESIGN_API_KEY: "your API key, from the Telesign portal (base64, as Telesign issues it)",
  TELESIGN_API_URL: "an https:// URL, e.g. https://rest-ww.telesign.com, or unset for that default",
  TELESIGN_AUTH_METHOD: "basic or digest, or unset for basic",
  TELESIGN_TIMEOUT_MS: "a whole number of milliseconds from 100 to 2500, or unset for 2500",
  TELESIGN_SMS_SENDER_ID: "a sender id Telesign has allow-listed for you, or unset",
  OKTA_AUTH_MODE: "header, passthrough or oauth (in any case), or unset for header",
  OKTA_AUTH_HEADER: "an HTTP header name, e.g. authorization",
  OKTA_AUTH_SECRETS:
    "one secret of 16 characters or more (two, comma-separated, while rotating): openssl rand -base64 32, the same as in Okta (npm run okta -- setup)",
  OKTA_OAUTH_ISSUER: "your authorization server, e.g. https://<your org>/oauth2/default (docs/oauth.md)",
  OKTA_OAUTH_AUDIENCE: "the authorization server's audience (docs/oauth.md)",
  OKTA_OAUTH_SCOPE: "the scope Okta's hook requests (docs/oauth.md)",
  OKTA_OAUTH_CLIENT_ID: "the client id of the hook's API Services app (docs/oauth.md)",
  OKTA_OAUTH_JWKS_URL: "an https:// URL, or unset for {issuer}/v1/keys",
  OKTA_OAUTH_ALGORITHMS: "asymmetric algorithms, comma-separated, e.g. RS256",
  STATUS_API_TOKENS:
    "read-only tokens of 16 characters or more, comma-separated (openssl rand -base64 32 makes one), or unset",
  TRANSACTION_RETENTION_DAYS: "a whole number of days from 1 to 365, or unset for 7",
  PHONE_HASH_KEY:
    "a secret of 32 characters or more, e.g. openssl rand -base64 32, kept only in Netlify (never in the database); unset, records keep no phone hash and the toll-fraud counters are keyed under a key derived from TELESIGN_API_KEY (rotating either restarts the current windows' counters)",
};

/** How to fix each of the helpdesk console's variables (docs/console.md). */
const consoleFixes: Record<(typeof consoleVariableNames)[number], string> = {
  CONSOLE_OKTA_ISSUER:
    "your Okta org, e.g. https://example.okta.com (npm run okta -- setup --console; docs/console.md)",
  CONSOLE_OKTA_CLIENT_ID: "the client id of the console's Okta app (npm run okta -- setup --console)",
  CONSOLE_OKTA_CLIENT_SECRET: "the client secret of the console's Okta app (shown when it is made)",
  CONSOLE_GROUPS: "the Okta groups whose members may sign in, comma-separated, e.g. Helpdesk",
  CONSOLE_SESSION_KEY: "32 characters or more: openssl rand -base64 32",
  CONSOLE_SESSION_HOURS: "a whole number of hours from 1 to 8, or unset for 8",
};

/** Every variable the functions read: the toll-fraud guard's and the console's have parsers of their own. */
const variableNames: string[] = [...configVariableNames, ...guardVariableNames, ...consoleVariableNames];
const fixOf = (name: string): string =>
  name in guardVariables
    ? guardVariables[name as keyof typeof guardVariables]
    : name in consoleFixes
      ? consoleFixes[name as keyof typeof consoleFixes]
      : fixes[name as keyof typeof fixes];

/** The functions, each with its parser; a problem of the callback receiver alone is a warning (callbacks are optional). */
const hook = "telesign (the hook)";
const functions = [
  { name: hook, parse: parseConfig, severity: "error" },
  { name: hook, parse: parseGuardConfig, severity: "error" },
  { name: "telesign-status", parse: parseStatusConfig, severity: "error" },
  { name: "transaction-retention", parse: parseRetentionConfig, severity: "error" },
  { name: "telesign-callback", parse: parseCallbackConfig, severity: "warning" },
  { name: "console", parse: parseConsoleConfig, severity: "error" },
] as const;

export function checkConfiguration(env: EnvironmentVariables): ConfigurationReport {
  const problems: Finding[] = [];
  // Several functions share a variable, and so a finding: it is listed once, naming each of them.
  const add = (finding: Finding) => {
    const seen = problems.find(({ message, severity }) => message === finding.message && severity === finding.severity);
    if (seen === undefined) problems.push(finding);
    else seen.functions.push(...finding.functions.filter((name) => !seen.functions.includes(name)));
  };
  for (const { name, parse, severity } of functions) {
    const parsed = parse(env);
    if (!parsed.ok) for (const problem of parsed.problems) add({ functions: [name], ...problem, severity });
    for (const warning of parsed.warnings) add({ functions: [name], ...warning, severity: "warning" });
  }
  for (const finding of unknownNames(env)) add(finding);
  for (const finding of phoneHashKeyFindings(env)) add(finding);
  const errors = problems.filter(({ severity }) => severity === "error");
  const variables = variableNames.map((name): VariableReport => {
    const own = errors.filter(({ variables }) => variables.includes(name)).map(({ message }) => message);
    const isSet = (env[name]?.trim() ?? "") !== "";
    if (own.length === 0) return { name, state: isSet ? "set" : "unset", problems: [] };
    return { name, state: isSet ? "invalid" : "missing", problems: own, fix: fixOf(name) };
  });
  return { ok: errors.length === 0, variables, problems };
}

/**
 * What an unset PHONE_HASH_KEY costs. The toll-fraud guard keys its counters and cached risk
 * scores by HMACs, never plain hashes: under PHONE_HASH_KEY, else under a key derived from
 * TELESIGN_API_KEY, else it counts numbers, ranges and users on each instance alone.
 */
function phoneHashKeyFindings(env: EnvironmentVariables): Finding[] {
  const set = (name: string) => (env[name]?.trim() ?? "") !== "";
  const guard = parseGuardConfig(env);
  if (set("PHONE_HASH_KEY") || !guard.ok || guard.config.mode === "off") return [];
  // With TELESIGN_API_KEY the derived key is as safe: only lookups by number need PHONE_HASH_KEY (its fix says so).
  if (set("TELESIGN_API_KEY")) return [];
  return [
    {
      functions: [hook],
      variables: ["PHONE_HASH_KEY"],
      severity: "warning",
      message:
        "PHONE_HASH_KEY is unset and there is no TELESIGN_API_KEY to derive a key from: the toll-fraud guard counts numbers, ranges and users on each instance alone (a limit holds per instance, not across them); set PHONE_HASH_KEY",
    },
  ];
}

/** Variables of the command-line tools, not of the functions. */
const toolVariables = [
  "OKTA_ORG_URL",
  "OKTA_API_TOKEN",
  "OKTA_SERVICE_CLIENT_ID",
  "OKTA_SERVICE_PRIVATE_KEY",
  "OKTA_SERVICE_KEY_ID",
  "OKTA_HOOK_AUTH",
  "OKTA_HOOK_SECRET",
  "OKTA_HOOK_NEW_SECRET",
  "OKTA_HOOK_CLIENT_SECRET",
];

const knownNames: string[] = [...variableNames, ...toolVariables];

/**
 * Names no function reads that look like one (a typo: the value is ignored and the default
 * applies): the nearest real name within two edits, or any other TELESIGN_ or OKTA_ name.
 */
function unknownNames(env: EnvironmentVariables): Finding[] {
  const findings: Finding[] = [];
  for (const name of Object.keys(env).filter((name) => !knownNames.includes(name))) {
    const nearest = closest(name.toUpperCase(), knownNames);
    if (distance(name.toUpperCase(), nearest) <= 2) {
      findings.push({
        functions: [],
        variables: [name],
        message: `${name}: did you mean ${nearest}? No function reads ${name}`,
        severity: "warning",
      });
    } else if (/^(TELESIGN|OKTA|FRAUD|SMS)_/i.test(name)) {
      findings.push({
        functions: [],
        variables: [name],
        message: `${name} is not a variable the functions read: a typo?`,
        severity: "warning",
      });
    }
  }
  return findings;
}

/** The report as an admin reads it. */
export function describeConfiguration(report: ConfigurationReport, source: string): string {
  const marks = { set: "✓", unset: "·", missing: "✗", invalid: "✗" };
  const lines = [`Configuration from ${source} (values are never shown):`, ""];
  for (const variable of report.variables) {
    lines.push(`  ${marks[variable.state]} ${variable.name.padEnd(28)} ${variable.state}`);
    for (const problem of variable.problems) lines.push(`      ${problem}`);
    if (variable.fix !== undefined) lines.push(`      fix: ${variable.fix}`);
  }
  const errors = report.problems.filter(({ severity }) => severity === "error");
  const warnings = report.problems.filter(({ severity }) => severity === "warning");
  lines.push("");
  for (const { functions: names, message } of warnings) {
    lines.push(`warning${names.length > 0 ? ` (${names.join(", ")})` : ""}: ${message}`);
  }
  if (errors.length === 0) {
    lines.push("The configuration is complete: the functions will start with it.");
    return lines.join("\n");
  }
  const failing = [...new Set(errors.flatMap(({ functions: names }) => names))];
  const others = failing.filter((name) => name !== hook);
  const consequences = [
    ...(failing.includes(hook)
      ? ['the hook answers Okta "Hook not configured" (what Okta then does: README, "When the hook answers an error")']
      : []),
    ...(others.length > 0
      ? [`${others.join(" and ")} ${others.length === 1 ? "answers" : "answer"} "not configured"`]
      : []),
  ];
  lines.push(`${errors.length} problem${errors.length === 1 ? "" : "s"}: until fixed, ${consequences.join("; ")}.`);
  return lines.join("\n");
}
