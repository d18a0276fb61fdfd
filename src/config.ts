import * as z from "zod/mini";
import { jsonLogger, type Logger } from "./log.ts";
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

/**
 * Okta waits 3 s for the whole exchange and then sends the code itself: a hook still waiting on
 * Telesign then may deliver a second code. The budget leaves room for the network both ways.
 */
export const oktaLimitMs = 3_000;
export const maxTelesignTimeoutMs = 2_500;

/** A header secret shorter than this can be guessed; Okta's own generated secrets are longer. */
export const minSecretLength = 16;

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
export const asymmetricAlgorithms = [
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
    z.enum(["header", "passthrough", "oauth"], { error: "must be header, passthrough or oauth" }),
    "header",
  ),
  OKTA_AUTH_HEADER: z._default(
    z.string().check(z.trim(), z.toLowerCase(), z.regex(/^[!#$%&'*+\-.^_`|~0-9a-z]+$/, "must be an HTTP header name")),
    "authorization",
  ),
  OKTA_AUTH_SECRETS: z._default(
    z.pipe(
      commaSeparated,
      z
        .array(z.string())
        .check(
          z.refine(
            (secrets) => secrets.every((secret) => secret.length >= minSecretLength),
            `must hold secrets of at least ${minSecretLength} characters each`,
          ),
        ),
    ),
    [],
  ),
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
  STATUS_API_TOKENS: z._default(commaSeparated, []),
  TRANSACTION_RETENTION_DAYS: z._default(wholeNumber("days", 1, 365), 7),
  PHONE_HASH_KEY: z.optional(
    z
      .string()
      .check(z.trim(), z.minLength(minPhoneHashKeyLength, `must be at least ${minPhoneHashKeyLength} characters`)),
  ),
});

type Environment = z.infer<typeof environmentSchema>;

/** Every variable the functions read. */
export const configVariableNames = Object.keys(environmentSchema.shape) as (keyof Environment)[];
type VariableName = keyof Environment;

export type Parsed<T> =
  | { ok: true; config: T }
  /** Each problem names a variable and what is wrong with it, never its value. */
  | { ok: false; problems: string[] };

export interface OAuthSettings {
  issuer: string;
  audience: string;
  scope: string;
  clientId?: string;
  jwksUrl: string;
  algorithms: string[];
}

export type OktaAuthentication =
  | { mode: "header"; headerName: string; secrets: string[] }
  /**
   * Okta's header carries `Basic base64(customerId:apiKey)`, used as the Telesign credential. With
   * TELESIGN_API_KEY set, the header must carry exactly that credential.
   */
  | { mode: "passthrough"; headerName: string; customerId?: string; apiKey?: string }
  /** Okta sends `Authorization: Bearer <JWT>` from its authorization server. */
  | ({ mode: "oauth"; headerName: "authorization" } & OAuthSettings);

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
  /** Okta's own credential also reads status; absent while Okta's settings are incomplete. */
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
const oktaVariables = [
  "OKTA_AUTH_MODE",
  "OKTA_AUTH_HEADER",
  "OKTA_AUTH_SECRETS",
  "OKTA_OAUTH_ISSUER",
  "OKTA_OAUTH_AUDIENCE",
  "OKTA_OAUTH_SCOPE",
  "OKTA_OAUTH_CLIENT_ID",
  "OKTA_OAUTH_JWKS_URL",
  "OKTA_OAUTH_ALGORITHMS",
] as const;

type Env = Record<string, string | undefined>;

/** The named variables, each invalid one at its default (as if unset), and the problems with their values. */
function variables<N extends VariableName>(env: Env, names: readonly N[]) {
  const config: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const name of names) {
    const value = env[name]?.trim() === "" ? undefined : env[name];
    const parsed = environmentSchema.shape[name].safeParse(value);
    if (parsed.success) config[name] = parsed.data;
    else {
      problems.push(`${name} ${parsed.error.issues[0]?.message ?? "is invalid"}`);
      config[name] = environmentSchema.shape[name].safeParse(undefined).data;
    }
  }
  return { config: config as Pick<Environment, N>, problems };
}

/**
 * Every problem at once: those of single values, then those between variables, less any that
 * names a variable whose value is already at fault (its fix comes first).
 */
function together(valueProblems: string[], crossProblems: string[]): string[] {
  const atFault = valueProblems.map((problem) => problem.split(" ")[0] ?? "");
  return [...valueProblems, ...crossProblems.filter((problem) => !atFault.some((name) => problem.includes(name)))];
}

function credentialOf(vars: Pick<Environment, "TELESIGN_CUSTOMER_ID" | "TELESIGN_API_KEY">) {
  const { TELESIGN_CUSTOMER_ID: customerId, TELESIGN_API_KEY: apiKey } = vars;
  return customerId !== undefined && apiKey !== undefined ? { customerId, apiKey } : undefined;
}

function hookConfigOf(vars: Pick<Environment, (typeof telesignVariables)[number] | (typeof oktaVariables)[number]>) {
  const credential = credentialOf(vars);
  const problems: string[] = [];
  let okta: OktaAuthentication;
  const mode = vars.OKTA_AUTH_MODE;
  if (mode !== "passthrough" && credential === undefined) {
    problems.push(`TELESIGN_CUSTOMER_ID and TELESIGN_API_KEY are required when OKTA_AUTH_MODE is ${mode}`);
  }
  if (mode === "header") {
    okta = { mode, headerName: vars.OKTA_AUTH_HEADER, secrets: vars.OKTA_AUTH_SECRETS };
    if (okta.secrets.length === 0) problems.push("OKTA_AUTH_SECRETS is required when OKTA_AUTH_MODE is header");
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
    if (vars.OKTA_OAUTH_ISSUER === undefined)
      problems.push("OKTA_OAUTH_ISSUER is required when OKTA_AUTH_MODE is oauth");
    if (vars.OKTA_OAUTH_SCOPE === undefined) problems.push("OKTA_OAUTH_SCOPE is required when OKTA_AUTH_MODE is oauth");
  } else {
    okta = {
      mode: "passthrough",
      headerName: vars.OKTA_AUTH_HEADER,
      customerId: vars.TELESIGN_CUSTOMER_ID,
      apiKey: vars.TELESIGN_API_KEY,
    };
    if (vars.TELESIGN_API_KEY !== undefined && vars.TELESIGN_CUSTOMER_ID === undefined) {
      problems.push("TELESIGN_CUSTOMER_ID is required with TELESIGN_API_KEY when OKTA_AUTH_MODE is passthrough");
    }
    if (vars.OKTA_AUTH_SECRETS.length > 0) {
      problems.push("OKTA_AUTH_SECRETS must not be set when OKTA_AUTH_MODE is passthrough");
    }
  }
  const telesign: TelesignConfig = {
    apiUrl: vars.TELESIGN_API_URL,
    authMethod: vars.TELESIGN_AUTH_METHOD,
    timeoutMs: vars.TELESIGN_TIMEOUT_MS,
    smsSenderId: vars.TELESIGN_SMS_SENDER_ID,
    credential,
  };
  return { config: { telesign, okta }, problems };
}

/** The telephony hook's configuration. */
export function parseConfig(env: Env): Parsed<HookConfig> {
  const vars = variables(env, [...telesignVariables, ...oktaVariables, "PHONE_HASH_KEY"]);
  const { config, problems } = hookConfigOf(vars.config);
  const all = together(vars.problems, problems);
  return all.length > 0
    ? { ok: false, problems: all }
    : { ok: true, config: { ...config, phoneHashKey: vars.config.PHONE_HASH_KEY } };
}

/** The delivery-status callback receiver's configuration. */
export function parseCallbackConfig(env: Env): Parsed<CallbackConfig> {
  const vars = variables(env, ["TELESIGN_CUSTOMER_ID", "TELESIGN_API_KEY", "TRANSACTION_RETENTION_DAYS"]);
  const credential = credentialOf(vars.config);
  const missing =
    credential === undefined ? ["TELESIGN_CUSTOMER_ID and TELESIGN_API_KEY are required to verify callbacks"] : [];
  const all = together(vars.problems, missing);
  if (all.length > 0 || credential === undefined) return { ok: false, problems: all };
  return { ok: true, config: { credential, retentionDays: vars.config.TRANSACTION_RETENTION_DAYS } };
}

/** The status endpoint's configuration: it accepts Okta's credential or a read-only token. */
export function parseStatusConfig(env: Env): Parsed<StatusConfig> {
  const vars = variables(env, [...telesignVariables, ...oktaVariables, "STATUS_API_TOKENS"]);
  const { config, problems } = hookConfigOf(vars.config);
  if (vars.problems.length > 0) return { ok: false, problems: together(vars.problems, problems) };
  const readTokens = vars.config.STATUS_API_TOKENS;
  // Read-only tokens alone are enough to read; an incomplete Okta setting then only disables that way in.
  if (problems.length > 0 && readTokens.length === 0) return { ok: false, problems };
  return {
    ok: true,
    config: { telesign: config.telesign, okta: problems.length > 0 ? undefined : config.okta, readTokens },
  };
}

/** The retention sweep's configuration. */
export function parseRetentionConfig(env: Env): Parsed<RetentionConfig> {
  const vars = variables(env, ["TRANSACTION_RETENTION_DAYS"]);
  if (vars.problems.length > 0) return { ok: false, problems: vars.problems };
  return { ok: true, config: { retentionDays: vars.config.TRANSACTION_RETENTION_DAYS } };
}

/** Netlify Database as Netlify describes it to a function (the platform sets both variables). */
export interface DatabaseSettings {
  url: string;
  /** `serverless` on Netlify (Neon's HTTP driver); `server` locally (a Postgres wire server). */
  driver: "serverless" | "server";
}

/** The site's database, read at each call: Netlify may hand an instance a new connection string. */
export function databaseSettings(env: Env = process.env): DatabaseSettings | undefined {
  const url = env.NETLIFY_DB_URL?.trim();
  if (url === undefined || url === "") return undefined;
  return { url, driver: env.NETLIFY_DB_DRIVER === "serverless" ? "serverless" : "server" };
}

const loaded = new Map<(env: Env) => unknown, unknown>();

/**
 * A configuration of this process, parsed on first use: when the function's instance starts.
 * Its problems are logged then, in one line naming every one, not only when a request comes.
 */
export function loadConfig<T>(parse: (env: Env) => Parsed<T>, log: Logger = jsonLogger): Parsed<T> {
  if (!loaded.has(parse)) {
    const parsed = parse(process.env);
    if (!parsed.ok) log("error", "configuration problems", { config: parse.name, problems: parsed.problems });
    loaded.set(parse, parsed);
  }
  return loaded.get(parse) as Parsed<T>;
}
