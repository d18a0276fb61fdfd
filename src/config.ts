import { distance } from "fastest-levenshtein";
import * as z from "zod/mini";
import { jsonLogger, type Logger } from "./log.ts";
import type { OktaAuthentication, OktaAuthMode } from "./okta/authentication.ts";
import { oktaLimitMs } from "./okta/time-limit.ts";
import type { TelesignConfig, TelesignCredential } from "./telesign/credentials.ts";

/**
 * Configuration from environment variables, parsed once per cold start. Each function parses
 * only the variables it uses, so that a mistake in one never stops another. A variable set to
 * an empty value counts as unset. This is the only module that reads `process.env`.
 */

const commaSeparated = z.pipe(
  z.string(),
  z.transform((value) =>
    value
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part !== ""),
  ),
);

const optionalText = z.optional(z.string().check(z.trim()));

/** Hosts that never leave the machine: the only ones reached over plain http (local runs, tests). */
export const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Whether a URL is https, or http to a loopback host. */
export function isSecureUrl(url: URL): boolean {
  return url.protocol === "https:" || (url.protocol === "http:" && loopbackHosts.has(url.hostname));
}

const secureUrl = z.pipe(
  z
    .url({ protocol: /^https?$/, error: "must be an https URL" })
    .check(
      z.refine(
        (url) => !URL.canParse(url) || isSecureUrl(new URL(url)),
        "must be an https URL (http only to 127.0.0.1, localhost or [::1])",
      ),
    ),
  z.transform((url) => url.replace(/\/+$/, "")),
);

/** The hook's budget within Okta's limit (oktaLimitMs): it leaves room for the network both ways. */
export const maxTelesignTimeoutMs = 2_500;

/** A header secret or read token shorter than this can be guessed; Okta's own generated secrets are longer. */
const minSecretLength = 16;

/** The phone-hash key is a secret of its own: `openssl rand -base64 32` gives 44 characters. */
export const minPhoneHashKeyLength = 32;

function wholeNumber(unit: string, minimum: number, maximum: number, maximumReason = "") {
  return z.coerce
    .number({ error: `must be a number of ${unit}` })
    .check(
      z.multipleOf(1, `must be a whole number of ${unit}`),
      z.minimum(minimum, `must be at least ${minimum}`),
      z.maximum(maximum, `must be at most ${maximum}${maximumReason}`),
    );
}

/** Signature algorithms a verifier may accept: asymmetric only, never `none` or an HMAC. */
const asymmetricAlgorithms = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
] as const;

const authModes = ["header", "passthrough", "oauth"] as const satisfies readonly OktaAuthMode[];

/** Comma-separated secrets (or read tokens), each as long as a secret must be; none by default. */
function strongList(noun: string) {
  return z._default(
    z.pipe(
      commaSeparated,
      z
        .array(z.string())
        .check(
          z.refine(
            (values) => values.every((value) => value.length >= minSecretLength),
            `must hold ${noun} of at least ${minSecretLength} characters each`,
          ),
        ),
    ),
    [],
  );
}

const environmentSchema = z.object({
  TELESIGN_CUSTOMER_ID: optionalText,
  TELESIGN_API_KEY: optionalText,
  TELESIGN_API_URL: z._default(secureUrl, "https://rest-ww.telesign.com"),
  TELESIGN_AUTH_METHOD: z._default(z.enum(["basic", "digest"], { error: "must be basic or digest" }), "basic"),
  TELESIGN_TIMEOUT_MS: z._default(
    wholeNumber(
      "milliseconds",
      100,
      maxTelesignTimeoutMs,
      `: Okta waits ${oktaLimitMs} ms for the whole exchange, network included`,
    ),
    2500,
  ),
  TELESIGN_SMS_SENDER_ID: optionalText,
  OKTA_AUTH_MODE: z._default(
    z.pipe(
      z.string().check(z.trim(), z.toLowerCase()),
      z.enum(authModes, { error: "must be header, passthrough or oauth" }),
    ),
    "header",
  ),
  OKTA_AUTH_HEADER: z._default(
    z.string().check(z.trim(), z.toLowerCase(), z.regex(/^[!#$%&'*+\-.^_`|~0-9a-z]+$/, "must be an HTTP header name")),
    "authorization",
  ),
  OKTA_AUTH_SECRETS: strongList("secrets"),
  OKTA_OAUTH_ISSUER: z.optional(secureUrl),
  OKTA_OAUTH_AUDIENCE: z._default(z.string().check(z.trim(), z.minLength(1)), "api://default"),
  OKTA_OAUTH_SCOPE: optionalText,
  OKTA_OAUTH_CLIENT_ID: optionalText,
  OKTA_OAUTH_JWKS_URL: z.optional(secureUrl),
  OKTA_OAUTH_ALGORITHMS: z._default(
    z.pipe(
      commaSeparated,
      z
        .array(z.enum(asymmetricAlgorithms, { error: `must list algorithms among ${asymmetricAlgorithms.join(", ")}` }))
        .check(z.minLength(1, "must list at least one algorithm")),
    ),
    ["RS256"],
  ),
  STATUS_API_TOKENS: strongList("tokens"),
  TRANSACTION_RETENTION_DAYS: z._default(wholeNumber("days", 1, 365), 7),
  PHONE_HASH_KEY: z.optional(
    z
      .string()
      .check(z.trim(), z.minLength(minPhoneHashKeyLength, `must be at least ${minPhoneHashKeyLength} characters`)),
  ),
});

type Environment = z.infer<typeof environmentSchema>;

export type VariableName = keyof Environment;

/** Every variable the functions read. */
export const configVariableNames = Object.keys(environmentSchema.shape) as VariableName[];

/**
 * Something wrong with the configuration, or worth the admin's attention: the variables to change
 * (set, fix or unset) and a sentence that names them. Never a value.
 */
export interface ConfigFinding<Name extends string = VariableName> {
  variables: Name[];
  message: string;
}

export type Parsed<T, Name extends string = VariableName> =
  | { ok: true; config: T; warnings: ConfigFinding<Name>[] }
  /** What stops the function (each problem names its variables, never a value), and what only weakens it. */
  | { ok: false; problems: ConfigFinding<Name>[]; warnings: ConfigFinding<Name>[] };

export interface HookConfig {
  telesign: TelesignConfig;
  okta: OktaAuthentication;
  /** The key of the records' phone hash (lookup by number); none, no hash is kept. */
  phoneHashKey?: string;
}

export interface CallbackConfig {
  /** The key Telesign signs callbacks with, and the customer id they name. */
  credential: TelesignCredential;
  /** Statuses older than the records kept are acknowledged and not stored. */
  retentionDays: number;
}

export interface StatusConfig {
  telesign: TelesignConfig;
  /** Okta's own credential also reads status; absent while Okta's settings cannot prove a caller. */
  okta?: OktaAuthentication;
  /** Read-only tokens, sent as `Authorization: Bearer <token>`. */
  readTokens: string[];
}

export interface RetentionConfig {
  retentionDays: number;
}

const telesignVariables = [
  "TELESIGN_CUSTOMER_ID",
  "TELESIGN_API_KEY",
  "TELESIGN_API_URL",
  "TELESIGN_AUTH_METHOD",
  "TELESIGN_TIMEOUT_MS",
  "TELESIGN_SMS_SENDER_ID",
] as const;
const oauthVariables = [
  "OKTA_OAUTH_ISSUER",
  "OKTA_OAUTH_AUDIENCE",
  "OKTA_OAUTH_SCOPE",
  "OKTA_OAUTH_CLIENT_ID",
  "OKTA_OAUTH_JWKS_URL",
  "OKTA_OAUTH_ALGORITHMS",
] as const;
const oktaVariables = ["OKTA_AUTH_MODE", "OKTA_AUTH_HEADER", "OKTA_AUTH_SECRETS", ...oauthVariables] as const;

/** The Okta variables each mode reads: any other one that is set does nothing. */
const oktaVariablesOf: Record<OktaAuthMode, readonly VariableName[]> = {
  header: ["OKTA_AUTH_MODE", "OKTA_AUTH_HEADER", "OKTA_AUTH_SECRETS"],
  passthrough: ["OKTA_AUTH_MODE", "OKTA_AUTH_HEADER"],
  oauth: ["OKTA_AUTH_MODE", ...oauthVariables],
};

/** Environment variables as a process (or a test) gives them. */
export type EnvironmentVariables = Record<string, string | undefined>;

const isSet = (env: EnvironmentVariables, name: VariableName) => (env[name]?.trim() ?? "") !== "";

/** `A`, `A and B`, `A, B and C`. */
const listed = (names: readonly string[]) =>
  names.length < 2 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
const isOrAre = (names: readonly string[]) => (names.length === 1 ? "is" : "are");

/** The named variables, each invalid one at its default (as if unset), and the problems with their values. */
function variables<N extends VariableName>(env: EnvironmentVariables, names: readonly N[]) {
  const config: Record<string, unknown> = {};
  const problems: ConfigFinding[] = [];
  for (const name of names) {
    const parsed = environmentSchema.shape[name].safeParse(isSet(env, name) ? env[name] : undefined);
    if (parsed.success) config[name] = parsed.data;
    else {
      problems.push({ variables: [name], message: `${name} ${parsed.error.issues[0]?.message ?? "is invalid"}` });
      config[name] = environmentSchema.shape[name].safeParse(undefined).data;
    }
  }
  return { config: config as Pick<Environment, N>, problems };
}

/**
 * The mode the admin most likely meant by an invalid OKTA_AUTH_MODE, so that every other problem
 * shows at once: a near spelling (`headr`), else the mode whose own variables are set.
 */
function likeliestMode(env: EnvironmentVariables): OktaAuthMode {
  const value = env.OKTA_AUTH_MODE?.trim().toLowerCase() ?? "";
  const [nearest] = [...authModes].sort((a, b) => distance(value, a) - distance(value, b));
  if (nearest !== undefined && distance(value, nearest) <= 2) return nearest;
  return oauthVariables.some((name) => isSet(env, name)) ? "oauth" : "header";
}

/** Okta's and Telesign's variables, with an invalid OKTA_AUTH_MODE judged as its likeliest mode. */
function hookVariables<N extends VariableName>(env: EnvironmentVariables, names: readonly N[]) {
  const { config, problems } = variables(env, names);
  const modeProblem = problems.find((problem) => problem.variables.includes("OKTA_AUTH_MODE"));
  if (modeProblem === undefined) return { config, problems };
  const mode = likeliestMode(env);
  return {
    config: { ...config, OKTA_AUTH_MODE: mode },
    problems: problems.map((problem) =>
      problem === modeProblem
        ? { ...problem, message: `${problem.message} (the rest is checked as for ${mode})` }
        : problem,
    ),
  };
}

/** The findings about no variable the problems already name: a fix to a variable at fault comes first. */
function apartFrom(problems: ConfigFinding[], findings: ConfigFinding[]): ConfigFinding[] {
  const atFault = new Set(problems.flatMap((problem) => problem.variables));
  return findings.filter((finding) => !finding.variables.some((name) => atFault.has(name)));
}

/** Every problem at once: those of single values, then those between variables apart from them. */
function together(valueProblems: ConfigFinding[], crossProblems: ConfigFinding[]): ConfigFinding[] {
  return [...valueProblems, ...apartFrom(valueProblems, crossProblems)];
}

function credentialOf(vars: Pick<Environment, "TELESIGN_CUSTOMER_ID" | "TELESIGN_API_KEY">) {
  const { TELESIGN_CUSTOMER_ID: customerId, TELESIGN_API_KEY: apiKey } = vars;
  return customerId !== undefined && apiKey !== undefined ? { customerId, apiKey } : undefined;
}

/** The Telesign credential's variables that are unset, as one problem. */
function missingCredential(vars: Pick<Environment, "TELESIGN_CUSTOMER_ID" | "TELESIGN_API_KEY">, why: string) {
  const missing = (["TELESIGN_CUSTOMER_ID", "TELESIGN_API_KEY"] as const).filter((name) => vars[name] === undefined);
  return missing.length === 0
    ? []
    : [{ variables: [...missing], message: `${listed(missing)} ${isOrAre(missing)} ${why}` }];
}

type HookVariables = Pick<Environment, (typeof telesignVariables)[number] | (typeof oktaVariables)[number]>;

function hookConfigOf(vars: HookVariables, env: EnvironmentVariables) {
  const credential = credentialOf(vars);
  const mode = vars.OKTA_AUTH_MODE;
  const problems: ConfigFinding[] =
    mode === "passthrough" ? [] : missingCredential(vars, `required when OKTA_AUTH_MODE is ${mode}`);
  const warnings: ConfigFinding[] = [];
  let okta: OktaAuthentication;
  if (mode === "header") {
    okta = { mode, headerName: vars.OKTA_AUTH_HEADER, secrets: vars.OKTA_AUTH_SECRETS };
    if (okta.secrets.length === 0) {
      problems.push({
        variables: ["OKTA_AUTH_SECRETS"],
        message: "OKTA_AUTH_SECRETS is required when OKTA_AUTH_MODE is header",
      });
    }
  } else if (mode === "oauth") {
    const issuer = vars.OKTA_OAUTH_ISSUER ?? "";
    okta = {
      mode,
      headerName: "authorization",
      issuer,
      audience: vars.OKTA_OAUTH_AUDIENCE,
      scope: vars.OKTA_OAUTH_SCOPE ?? "",
      clientId: vars.OKTA_OAUTH_CLIENT_ID,
      jwksUrl: vars.OKTA_OAUTH_JWKS_URL ?? `${issuer}/v1/keys`,
      algorithms: vars.OKTA_OAUTH_ALGORITHMS,
    };
    for (const name of ["OKTA_OAUTH_ISSUER", "OKTA_OAUTH_SCOPE"] as const) {
      if (vars[name] === undefined) {
        problems.push({ variables: [name], message: `${name} is required when OKTA_AUTH_MODE is oauth` });
      }
    }
    if (vars.OKTA_OAUTH_CLIENT_ID === undefined) {
      warnings.push({
        variables: ["OKTA_OAUTH_CLIENT_ID"],
        message:
          "OKTA_OAUTH_CLIENT_ID is unset: any client of the authorization server that holds OKTA_OAUTH_SCOPE may call the hook; set it to the client id of the hook's API Services app",
      });
    }
  } else {
    okta = {
      mode: "passthrough",
      headerName: vars.OKTA_AUTH_HEADER,
      customerId: vars.TELESIGN_CUSTOMER_ID,
      apiKey: vars.TELESIGN_API_KEY,
    };
    if (vars.TELESIGN_API_KEY !== undefined && vars.TELESIGN_CUSTOMER_ID === undefined) {
      problems.push({
        variables: ["TELESIGN_CUSTOMER_ID"],
        message: "TELESIGN_CUSTOMER_ID is required with TELESIGN_API_KEY when OKTA_AUTH_MODE is passthrough",
      });
    }
    if (vars.OKTA_AUTH_SECRETS.length > 0) {
      problems.push({
        variables: ["OKTA_AUTH_SECRETS"],
        message: "OKTA_AUTH_SECRETS must not be set when OKTA_AUTH_MODE is passthrough",
      });
    }
  }
  const unused = oktaVariables.filter(
    (name) =>
      isSet(env, name) &&
      !oktaVariablesOf[mode].includes(name) &&
      !problems.some((problem) => problem.variables.includes(name)),
  );
  if (unused.length > 0) {
    const modeIs = isSet(env, "OKTA_AUTH_MODE") ? mode : `${mode} (unset means header)`;
    const what =
      mode === "oauth" ? "Okta sends its access token in Authorization" : "set OKTA_AUTH_MODE=oauth to use OAuth 2.0";
    warnings.push({
      variables: unused,
      message: `${listed(unused)} ${isOrAre(unused)} set but unused: OKTA_AUTH_MODE is ${modeIs}; ${what}, or unset ${unused.length === 1 ? "it" : "them"}`,
    });
  }
  const telesign: TelesignConfig = {
    apiUrl: vars.TELESIGN_API_URL,
    authMethod: vars.TELESIGN_AUTH_METHOD,
    timeoutMs: vars.TELESIGN_TIMEOUT_MS,
    smsSenderId: vars.TELESIGN_SMS_SENDER_ID,
    credential,
  };
  return { config: { telesign, okta }, problems, warnings };
}

/** The telephony hook's configuration. */
export function parseConfig(env: EnvironmentVariables): Parsed<HookConfig> {
  const vars = hookVariables(env, [...telesignVariables, ...oktaVariables, "PHONE_HASH_KEY"]);
  const { config, problems, warnings } = hookConfigOf(vars.config, env);
  const all = together(vars.problems, problems);
  const kept = apartFrom(all, warnings);
  return all.length > 0
    ? { ok: false, problems: all, warnings: kept }
    : { ok: true, config: { ...config, phoneHashKey: vars.config.PHONE_HASH_KEY }, warnings: kept };
}

/** The delivery-status callback receiver's configuration. */
export function parseCallbackConfig(env: EnvironmentVariables): Parsed<CallbackConfig> {
  const vars = variables(env, ["TELESIGN_CUSTOMER_ID", "TELESIGN_API_KEY", "TRANSACTION_RETENTION_DAYS"]);
  const credential = credentialOf(vars.config);
  const all = together(vars.problems, missingCredential(vars.config, "required to verify callbacks"));
  if (all.length > 0 || credential === undefined) return { ok: false, problems: all, warnings: [] };
  return { ok: true, config: { credential, retentionDays: vars.config.TRANSACTION_RETENTION_DAYS }, warnings: [] };
}

/**
 * The status endpoint's configuration: it accepts Okta's credential or a read-only token. A
 * passthrough credential proves nothing without TELESIGN_API_KEY to compare it with: Telesign's
 * answer to another account's lookup says "not found", never "not yours".
 */
export function parseStatusConfig(env: EnvironmentVariables): Parsed<StatusConfig> {
  const vars = hookVariables(env, [...telesignVariables, ...oktaVariables, "STATUS_API_TOKENS"]);
  const hook = hookConfigOf(vars.config, env);
  const oktaProblems = [...hook.problems];
  if (hook.config.okta.mode === "passthrough" && vars.config.TELESIGN_API_KEY === undefined) {
    oktaProblems.push({
      variables: ["TELESIGN_API_KEY"],
      message:
        "TELESIGN_API_KEY is required by the status endpoint when OKTA_AUTH_MODE is passthrough: without it nothing proves that Okta's credential is this account's (or read with STATUS_API_TOKENS alone)",
    });
  }
  const problems = together(vars.problems, oktaProblems);
  const warnings = apartFrom(problems, hook.warnings);
  const readTokens = vars.config.STATUS_API_TOKENS;
  // Read-only tokens alone are enough to read; Okta's settings that cannot prove a caller then only close that way in.
  if (vars.problems.length > 0 || (problems.length > 0 && readTokens.length === 0)) {
    return { ok: false, problems, warnings };
  }
  return {
    ok: true,
    config: { telesign: hook.config.telesign, okta: problems.length > 0 ? undefined : hook.config.okta, readTokens },
    warnings: [...problems, ...warnings],
  };
}

/** The retention sweep's configuration. */
export function parseRetentionConfig(env: EnvironmentVariables): Parsed<RetentionConfig> {
  const vars = variables(env, ["TRANSACTION_RETENTION_DAYS"]);
  if (vars.problems.length > 0) return { ok: false, problems: vars.problems, warnings: [] };
  return { ok: true, config: { retentionDays: vars.config.TRANSACTION_RETENTION_DAYS }, warnings: [] };
}

/** Netlify Database as Netlify describes it to a function (the platform sets both variables). */
export interface DatabaseSettings {
  url: string;
  /** `serverless` on Netlify (Neon's HTTP driver); `server` locally (a Postgres wire server). */
  driver: "serverless" | "server";
}

/** The site's database, read at each call: Netlify may hand an instance a new connection string. */
export function databaseSettings(env: EnvironmentVariables = process.env): DatabaseSettings | undefined {
  const url = env.NETLIFY_DB_URL?.trim();
  if (url === undefined || url === "") return undefined;
  return { url, driver: env.NETLIFY_DB_DRIVER === "serverless" ? "serverless" : "server" };
}

/** The sentences of findings, for a log line. */
export const messagesOf = (findings: ConfigFinding<string>[]) => findings.map((finding) => finding.message);

const loaded = new Map<(env: EnvironmentVariables) => unknown, unknown>();

/**
 * A configuration of this process, parsed on first use: when the function's instance starts.
 * Its problems, and its warnings, are logged then, each in one line naming every one, not only
 * when a request comes.
 */
export function loadConfig<T, Name extends string = VariableName>(
  parse: (env: EnvironmentVariables) => Parsed<T, Name>,
  log: Logger = jsonLogger,
): Parsed<T, Name> {
  if (!loaded.has(parse)) {
    const parsed = parse(process.env);
    if (!parsed.ok)
      log("error", "configuration problems", { config: parse.name, problems: messagesOf(parsed.problems) });
    if (parsed.warnings.length > 0) {
      log("warn", "configuration warnings", { config: parse.name, warnings: messagesOf(parsed.warnings) });
    }
    loaded.set(parse, parsed);
  }
  return loaded.get(parse) as Parsed<T, Name>;
}
