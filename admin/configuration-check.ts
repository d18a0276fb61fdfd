import {
  configVariableNames,
  parseCallbackConfig,
  parseConfig,
  parseRetentionConfig,
  parseStatusConfig,
} from "../src/config.ts";
import { guardVariables, parseGuardConfig } from "../src/fraud/guard-config.ts";

/**
 * The functions' configuration judged by their own parsers (the code that runs on Netlify), one
 * line per variable: set, unset, missing or invalid, with what is wrong and how to fix it. Never
 * a value.
 */

type Env = Record<string, string | undefined>;

export type VariableState = "set" | "unset" | "missing" | "invalid";

export interface VariableReport {
  name: string;
  state: VariableState;
  /** What the parsers say about this variable. */
  problems: string[];
  /** How to fix it, when there is a problem. */
  fix?: string;
}

export interface ConfigurationReport {
  ok: boolean;
  variables: VariableReport[];
  /** Every problem, once, with the function that has it. */
  problems: { function?: string; problem: string; severity: "error" | "warning" }[];
}

/** How to fix each variable: one entry per variable the functions read (the type says so). */
const fixes: Record<(typeof configVariableNames)[number], string> = {
  TELESIGN_CUSTOMER_ID: "your customer id, from the Telesign portal",
  TELESIGN_API_KEY: "your API key, from the Telesign portal (base64, as Telesign issues it)",
  TELESIGN_API_URL: "an https:// URL, e.g. https://rest-ww.telesign.com, or unset for that default",
  TELESIGN_AUTH_METHOD: "basic or digest, or unset for basic",
  TELESIGN_TIMEOUT_MS: "a whole number of milliseconds from 100 to 2500, or unset for 2500",
  TELESIGN_SMS_SENDER_ID: "a sender id Telesign has allow-listed for you, or unset",
  OKTA_AUTH_MODE: "header, passthrough or oauth, or unset for header",
  OKTA_AUTH_HEADER: "an HTTP header name, e.g. authorization",
  OKTA_AUTH_SECRETS:
    "one secret of 16 characters or more (two, comma-separated, while rotating): openssl rand -base64 32, the same as in Okta (npm run okta -- setup)",
  OKTA_OAUTH_ISSUER: "your authorization server, e.g. https://<your org>/oauth2/default (docs/oauth.md)",
  OKTA_OAUTH_AUDIENCE: "the authorization server's audience (docs/oauth.md)",
  OKTA_OAUTH_SCOPE: "the scope Okta's hook requests (docs/oauth.md)",
  OKTA_OAUTH_CLIENT_ID: "the client id of the hook's API Services app (docs/oauth.md)",
  OKTA_OAUTH_JWKS_URL: "an https:// URL, or unset for {issuer}/v1/keys",
  OKTA_OAUTH_ALGORITHMS: "asymmetric algorithms, comma-separated, e.g. RS256",
  STATUS_API_TOKENS: "read-only tokens, comma-separated, or unset",
  TRANSACTION_RETENTION_DAYS: "a whole number of days from 1 to 365, or unset for 7",
  PHONE_HASH_KEY:
    "a secret of 32 characters or more, e.g. openssl rand -base64 32, kept only in Netlify (never in the database), or unset to keep no phone hash",
};

/** Every variable the functions read: the toll-fraud guard's have their own parser. */
const variableNames = [...configVariableNames, ...(Object.keys(guardVariables) as (keyof typeof guardVariables)[])];
const fixOf = (name: (typeof variableNames)[number]) =>
  name in guardVariables ? guardVariables[name as keyof typeof guardVariables] : fixes[name as keyof typeof fixes];

/** The functions, each with its parser; a problem of the callback receiver alone is a warning (callbacks are optional). */
const functions = [
  { name: "telesign (the hook)", parse: parseConfig, severity: "error" },
  { name: "telesign (the hook)", parse: parseGuardConfig, severity: "error" },
  { name: "telesign-status", parse: parseStatusConfig, severity: "error" },
  { name: "transaction-retention", parse: parseRetentionConfig, severity: "error" },
  { name: "telesign-callback", parse: parseCallbackConfig, severity: "warning" },
] as const;

export function checkConfiguration(env: Env): ConfigurationReport {
  const problems: ConfigurationReport["problems"] = [];
  for (const { name, parse, severity } of functions) {
    const parsed = parse(env);
    if (parsed.ok) continue;
    for (const problem of parsed.problems) {
      if (!problems.some((seen) => seen.problem === problem)) problems.push({ function: name, problem, severity });
    }
  }
  const variables = variableNames.map((name): VariableReport => {
    const isSet = (env[name]?.trim() ?? "") !== "";
    const own = problems
      .filter(({ severity }) => severity === "error")
      .map(({ problem }) => problem)
      .filter((problem) => subjects(problem).includes(name));
    const state = stateOf(name, isSet, own);
    // A set, valid variable named beside a missing one ("X and Y are required") is not at fault.
    if (state === "set" || state === "unset") return { name, state, problems: [] };
    return { name, state, problems: own, fix: fixOf(name) };
  });
  // A name that looks like one of ours but is not (OKTA_AUTH_SECRET): probably a typo.
  for (const name of Object.keys(env).filter((name) => /^(TELESIGN|OKTA|FRAUD|SMS)_/.test(name))) {
    if (!(variableNames as string[]).includes(name) && !toolVariables.includes(name)) {
      problems.push({ problem: `${name} is not a variable the functions read: a typo?`, severity: "warning" });
    }
  }
  return { ok: !problems.some(({ severity }) => severity === "error"), variables, problems };
}

/** Unset and named by a problem: missing. Set, with a problem about its own value: invalid. */
function stateOf(name: string, isSet: boolean, problems: string[]): VariableState {
  if (!isSet) return problems.length > 0 ? "missing" : "unset";
  const ownValue = (problem: string) => problem.startsWith(`${name} must`) || problem.startsWith(`${name} is invalid`);
  return problems.some(ownValue) ? "invalid" : "set";
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

/** The variables a problem is about: those before its verb ("X and Y are required when Z is…" is about X and Y). */
function subjects(problem: string): string[] {
  const subject = problem.split(/ (?:is|are|must) /)[0] ?? "";
  return variableNames.filter((name) => new RegExp(`\\b${name}\\b`).test(subject));
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
  for (const { function: name, problem } of warnings) lines.push(`warning${name ? ` (${name})` : ""}: ${problem}`);
  lines.push(
    errors.length === 0
      ? "The configuration is complete: the functions will start with it."
      : `${errors.length} problem${errors.length === 1 ? "" : "s"}: until fixed, the hook answers "Hook not configured" and Okta sends codes through its own provider.`,
  );
  return lines.join("\n");
}
