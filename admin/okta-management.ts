import { readFile } from "node:fs/promises";
import { Client, DefaultRequestExecutor, type InlineHookApi } from "@okta/okta-sdk-nodejs";
import { type EnvironmentVariables, isSecureUrl } from "../src/config.ts";
import { messageOf } from "../src/support/error-text.ts";

/**
 * Okta's Management API through Okta's own Node SDK: a client from the environment (an API
 * token, or an OAuth 2.0 service app), and every failure said as one sentence an admin can act on.
 */

/** How the tool authenticates to Okta: an SSWS API token, or a service app's private key. */
export type OktaCredential = { kind: "token" } | { kind: "service app" };

export interface OktaConnection {
  orgUrl: string;
  credential: OktaCredential;
  inlineHooks: InlineHooks;
}

/** What the tool needs of Okta: inline hooks, read and managed. */
const managementScopes = ["okta.inlineHooks.read", "okta.inlineHooks.manage"];

/** A problem with the tool's own settings: the message says which variable and what to do. */
class SettingsError extends Error {
  override name = "SettingsError";
}

/**
 * A step of a change to the org's hooks failed: `failure` is what Okta answered, `aftermath` what
 * the tool did about it and which telephony hook is active now.
 */
export class ChangeFailure extends Error {
  override name = "ChangeFailure";
  constructor(
    readonly failure: unknown,
    readonly aftermath: string,
  ) {
    super(aftermath);
  }
}

/** The Management API client the environment describes, or a SettingsError saying what to set. */
export async function connectToOkta(env: EnvironmentVariables): Promise<OktaConnection> {
  const { orgUrl, credential, client } = await oktaClientOf(env, managementScopes);
  return { orgUrl, credential, inlineHooks: inlineHooksOf(client.inlineHookApi) };
}

/**
 * Okta's SDK client from OKTA_ORG_URL and an API token or a service app (with `scopes`), shared by
 * every command that talks to the Management API; a SettingsError says what to set.
 */
export async function oktaClientOf(
  env: EnvironmentVariables,
  scopes: string[],
): Promise<{ orgUrl: string; credential: OktaConnection["credential"]; client: Client }> {
  const orgUrl = (env.OKTA_ORG_URL ?? "").trim().replace(/\/+$/, "");
  if (orgUrl === "") {
    throw new SettingsError(
      "set OKTA_ORG_URL to your Okta org's URL (e.g. https://example.okta.com), and OKTA_API_TOKEN or a service app (see --help).",
    );
  }
  if (!URL.canParse(orgUrl) || !isSecureUrl(new URL(orgUrl))) {
    throw new SettingsError("OKTA_ORG_URL must be an https:// URL (http only to 127.0.0.1, localhost or [::1]).");
  }
  // Retries and caching off: a rate limit is reported with its reset time, and every read is fresh.
  const common = {
    orgUrl,
    cacheMiddleware: null,
    requestExecutor: new DefaultRequestExecutor({ maxRetries: 0, requestTimeout: 30_000 }),
  };
  const token = env.OKTA_API_TOKEN?.trim();
  if (token) return { orgUrl, credential: { kind: "token" }, client: new Client({ ...common, token }) };
  const clientId = env.OKTA_SERVICE_CLIENT_ID?.trim();
  const privateKey = env.OKTA_SERVICE_PRIVATE_KEY?.trim();
  if (clientId && privateKey) {
    const client = new Client({
      ...common,
      authorizationMode: "PrivateKey",
      clientId,
      scopes,
      privateKey: await privateKeyOf(privateKey),
      ...(env.OKTA_SERVICE_KEY_ID?.trim() && { keyId: env.OKTA_SERVICE_KEY_ID.trim() }),
    });
    return { orgUrl, credential: { kind: "service app" }, client };
  }
  throw new SettingsError(
    "set OKTA_API_TOKEN (Security › API › Tokens), or OKTA_SERVICE_CLIENT_ID and OKTA_SERVICE_PRIVATE_KEY for a service app.",
  );
}

/** The key itself (PEM or JWK JSON), or the file that holds it. */
async function privateKeyOf(value: string): Promise<string> {
  const text =
    value.startsWith("-----BEGIN") || value.startsWith("{")
      ? value
      : await readFile(value, "utf8").catch(() => undefined);
  // A key is ASCII text (PEM or JWK): anything else would come back in the SDK's errors.
  if (text === undefined || !/^[\x20-\x7e\r\n\t]+$/.test(text.trim())) {
    throw new SettingsError(
      "OKTA_SERVICE_PRIVATE_KEY must be a PEM or JWK private key (ASCII text), or the path of a file with one (its value is not shown).",
    );
  }
  return text.trim();
}

interface OktaApiFailure {
  name: "OktaApiError";
  status: number;
  errorCode?: string;
  errorSummary?: string;
  errorCauses?: { errorSummary?: string }[];
  headers?: Headers;
}

/** An error answer of Okta's API, as Okta's SDK throws it. */
export function isOktaApiFailure(error: unknown): error is OktaApiFailure {
  return error instanceof Error && error.name === "OktaApiError";
}

/** What went wrong talking to Okta, as one sentence with Okta's errorCode and what to do. */
export function oktaFailure(
  error: unknown,
  { orgUrl, credential }: Pick<OktaConnection, "orgUrl" | "credential">,
): string {
  if (error instanceof SettingsError) return error.message;
  if (error instanceof ChangeFailure) return `${oktaFailure(error.failure, { orgUrl, credential })} ${error.aftermath}`;
  if (isOktaApiFailure(error)) {
    const code = error.errorCode ?? `HTTP ${error.status}`;
    const summary = (error.errorSummary ?? "").replace(/\.$/, "");
    const causes = (error.errorCauses ?? [])
      .map((cause) => cause.errorSummary)
      .filter(Boolean)
      .join("; ");
    switch (error.errorCode) {
      case "E0000011":
        return credential.kind === "token"
          ? `Okta refused the API token (${code}: ${summary}): check OKTA_API_TOKEN; tokens expire after 30 days unused, create one in Security › API › Tokens.`
          : // The SDK (8.1) drops the token endpoint's own error (invalid_client…): it surfaces here.
            `Okta refused the service app's access (${code}: ${summary}); its token request probably failed: check OKTA_SERVICE_CLIENT_ID, that OKTA_SERVICE_PRIVATE_KEY matches the public key registered for the app (and OKTA_SERVICE_KEY_ID), and that the app was granted okta.inlineHooks.read and okta.inlineHooks.manage.`;
      case "E0000006":
        return credential.kind === "token"
          ? `Okta says the token's admin may not manage inline hooks (${code}: ${summary}): use a token of a super admin.`
          : `Okta says the service app may not manage inline hooks (${code}: ${summary}): grant it the scope okta.inlineHooks.manage and an admin role (Applications › the app › Okta API Scopes, Admin roles).`;
      case "E0000047":
        return `Okta's rate limit is used up (${code}): ${resetOf(error)}, then run the command again.`;
      case "E0000007":
        return `Okta has no such inline hook (${code}: ${summary}): npm run okta -- status lists the org's telephony hooks.`;
      case "E0000001":
        return `Okta refused the request (${code}: ${summary}${causes ? `: ${causes}` : ""}): fix what it names (a hook URL must be https:// and reachable by Okta).`;
      default:
        return `Okta answered HTTP ${error.status} (${code}: ${summary}${causes ? `: ${causes}` : ""}).`;
    }
  }
  if (error instanceof Error && error.name === "HttpError") {
    const status = (error as Error & { status?: number }).status;
    return `${orgUrl} answered HTTP ${status} without an Okta error: check that OKTA_ORG_URL is your Okta org's URL.`;
  }
  const code = systemCode(error);
  if (code !== undefined)
    return `Okta could not be reached at ${orgUrl} (${code}): check OKTA_ORG_URL and the network.`;
  if (credential.kind === "service app") {
    // The SDK (8.1) swallows token-endpoint errors such as invalid_client: they surface as something else.
    return `Okta did not give the service app a token (${messageOf(error)}): check OKTA_SERVICE_CLIENT_ID, the private key and OKTA_SERVICE_KEY_ID.`;
  }
  return `Talking to Okta failed: ${messageOf(error)}.`;
}

/**
 * Whether Okta refused a change because the org already has an active telephony hook (Okta allows
 * one). Okta does not document the message: the tool assumes its summary or a cause speaks of an
 * active telephony (or inline) hook, and treats any other 400 (a name taken, a bad key id) as the
 * mistake it is, never as a reason to deactivate the org's hook.
 */
export function isOneActiveHookLimit(error: unknown): boolean {
  if (!isOktaApiFailure(error) || error.status !== 400) return false;
  const texts = [error.errorSummary, ...(error.errorCauses ?? []).map((cause) => cause.errorSummary)];
  return texts.some((text) => /\bactive\b/i.test(text ?? "") && /telephony|inline ?hook/i.test(text ?? ""));
}

/** When Okta's rate limit resets (epoch ms), from a 429's X-Rate-Limit-Reset; undefined when it says none. */
export function rateLimitResetOf(error: unknown): number | undefined {
  if (!isOktaApiFailure(error) || error.status !== 429) return undefined;
  const reset = Number(error.headers?.get?.("x-rate-limit-reset"));
  return Number.isFinite(reset) && reset > 0 ? reset * 1000 : undefined;
}

/** When the rate limit resets, from a 429's X-Rate-Limit-Reset, in words. */
function resetOf(error: unknown): string {
  const reset = rateLimitResetOf(error);
  if (reset === undefined) return "wait a minute";
  const seconds = Math.max(0, Math.ceil((reset - Date.now()) / 1000));
  return `it resets at ${new Date(reset).toISOString().slice(11, 19)} UTC (in ${seconds} s)`;
}

function systemCode(error: unknown): string | undefined {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return code;
  }
  return undefined;
}

/** An inline hook as Okta's API reads and writes it (secrets are never read back). */
export interface OktaInlineHook {
  id?: string;
  name: string;
  status?: string;
  type?: string;
  version: string;
  channel: {
    type: "HTTP" | "OAUTH";
    version: string;
    config: {
      uri: string;
      method: string;
      headers?: { key: string; value: string }[];
      authScheme?: { type: string; key: string; value?: string } | null;
      authType?: "client_secret_post" | "private_key_jwt";
      clientId?: string;
      clientSecret?: string;
      hookKeyId?: string;
      tokenUrl?: string;
      scope?: string;
    };
  };
}

/** The inline-hook calls the tool makes, on plain objects. */
export interface InlineHooks {
  listTelephony(): Promise<OktaInlineHook[]>;
  /** Every inline hook of the org, of any type (their names are unique across types). */
  listAll(): Promise<OktaInlineHook[]>;
  create(hook: OktaInlineHook & { type: string }): Promise<OktaInlineHook>;
  replace(id: string, hook: OktaInlineHook): Promise<OktaInlineHook>;
  activate(id: string): Promise<OktaInlineHook>;
  deactivate(id: string): Promise<OktaInlineHook>;
  /** Okta's own preview: Okta calls the hook with `payload` and returns its answer. */
  execute(id: string, payload: unknown): Promise<unknown>;
}

/** The SDK's InlineHookApi as InlineHooks. */
function inlineHooksOf(api: InlineHookApi): InlineHooks {
  const plain = <T>(value: unknown) => JSON.parse(JSON.stringify(value)) as T;
  // The SDK's model types are narrower than Okta's JSON (e.g. per-type channels): hand it plain JSON.
  const loose = api as unknown as {
    listInlineHooks(param: { type?: string }): Promise<AsyncIterable<unknown>>;
    createInlineHook(param: { inlineHook: unknown }): Promise<unknown>;
    replaceInlineHook(param: { inlineHookId: string; inlineHook: unknown }): Promise<unknown>;
    activateInlineHook(param: { inlineHookId: string }): Promise<unknown>;
    deactivateInlineHook(param: { inlineHookId: string }): Promise<unknown>;
    executeInlineHook(param: { inlineHookId: string; payloadData: unknown }): Promise<unknown>;
  };
  return {
    async listTelephony() {
      const hooks: OktaInlineHook[] = [];
      for await (const hook of await loose.listInlineHooks({ type: telephonyHookType })) hooks.push(plain(hook));
      return hooks;
    },
    async listAll() {
      const hooks: OktaInlineHook[] = [];
      for await (const hook of await loose.listInlineHooks({})) hooks.push(plain(hook));
      return hooks;
    },
    create: async (hook) => plain(await loose.createInlineHook({ inlineHook: hook })),
    replace: async (id, hook) => plain(await loose.replaceInlineHook({ inlineHookId: id, inlineHook: hook })),
    activate: async (id) => plain(await loose.activateInlineHook({ inlineHookId: id })),
    deactivate: async (id) => plain(await loose.deactivateInlineHook({ inlineHookId: id })),
    execute: async (id, payload) => plain(await loose.executeInlineHook({ inlineHookId: id, payloadData: payload })),
  };
}

export const telephonyHookType = "com.okta.telephony.provider";
