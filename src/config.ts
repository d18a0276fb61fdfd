import { z } from "zod";

/**
 * The hook's configuration, read from environment variables once per cold start.
 * This is the only module that reads `process.env`.
 */

const commaSeparated = z.string().transform((value) =>
  value
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== ""),
);

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

const environmentSchema = z.object({
  TELESIGN_CUSTOMER_ID: optionalText,
  TELESIGN_API_KEY: optionalText,
  TELESIGN_API_URL: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
    .default("https://rest-ww.telesign.com")
    .transform((url) => url.replace(/\/+$/, "")),
  TELESIGN_AUTH_METHOD: z.enum(["basic", "digest"], { error: "must be basic or digest" }).default("basic"),
  TELESIGN_TIMEOUT_MS: z.coerce
    .number({ error: "must be a number of milliseconds" })
    .int("must be a whole number of milliseconds")
    .min(100, "must be at least 100")
    .max(10_000, "must be at most 10000")
    .default(2500),
  TELESIGN_SMS_SENDER_ID: optionalText,
  OKTA_AUTH_MODE: z.enum(["header", "passthrough"], { error: "must be header or passthrough" }).default("header"),
  OKTA_AUTH_HEADER: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[!#$%&'*+\-.^_`|~0-9a-z]+$/, "must be an HTTP header name")
    .default("authorization"),
  OKTA_AUTH_SECRETS: commaSeparated.default([]),
});

export type TelesignAuthMethod = "basic" | "digest";

export interface TelesignCredential {
  customerId: string;
  apiKey: string;
}

export type OktaAuthentication =
  | { mode: "header"; headerName: string; secrets: string[] }
  /** Okta's header carries `Basic base64(customerId:apiKey)`, used as the Telesign credential. */
  | { mode: "passthrough"; headerName: string; customerId?: string };

export interface HookConfig {
  telesign: {
    apiUrl: string;
    authMethod: TelesignAuthMethod;
    timeoutMs: number;
    smsSenderId?: string;
    /** Absent in passthrough mode, where each request brings its own. */
    credential?: TelesignCredential;
  };
  okta: OktaAuthentication;
}

export type ConfigResult =
  | { ok: true; config: HookConfig }
  /** Each problem names a variable and what is wrong with it, never its value. */
  | { ok: false; problems: string[] };

export function parseConfig(env: Record<string, string | undefined>): ConfigResult {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`),
    };
  }
  const vars = parsed.data;
  const { TELESIGN_CUSTOMER_ID: customerId, TELESIGN_API_KEY: apiKey } = vars;
  const credential = customerId !== undefined && apiKey !== undefined ? { customerId, apiKey } : undefined;
  const problems: string[] = [];

  let okta: OktaAuthentication;
  if (vars.OKTA_AUTH_MODE === "header") {
    okta = { mode: "header", headerName: vars.OKTA_AUTH_HEADER, secrets: vars.OKTA_AUTH_SECRETS };
    if (okta.secrets.length === 0) problems.push("OKTA_AUTH_SECRETS is required when OKTA_AUTH_MODE is header");
    if (credential === undefined) {
      problems.push("TELESIGN_CUSTOMER_ID and TELESIGN_API_KEY are required when OKTA_AUTH_MODE is header");
    }
  } else {
    // The API key comes with each request; one configured here would be a second, unused copy.
    okta = { mode: "passthrough", headerName: vars.OKTA_AUTH_HEADER, customerId };
    if (apiKey !== undefined) problems.push("TELESIGN_API_KEY must not be set when OKTA_AUTH_MODE is passthrough");
    if (vars.OKTA_AUTH_SECRETS.length > 0) {
      problems.push("OKTA_AUTH_SECRETS must not be set when OKTA_AUTH_MODE is passthrough");
    }
  }
  if (problems.length > 0) return { ok: false, problems };

  const telesign = {
    apiUrl: vars.TELESIGN_API_URL,
    authMethod: vars.TELESIGN_AUTH_METHOD,
    timeoutMs: vars.TELESIGN_TIMEOUT_MS,
    smsSenderId: vars.TELESIGN_SMS_SENDER_ID,
    credential,
  };
  return { ok: true, config: { telesign, okta } };
}

let loaded: ConfigResult | undefined;

/** The configuration of this process, parsed on first use. */
export function loadConfig(): ConfigResult {
  loaded ??= parseConfig(process.env);
  return loaded;
}
