import { matchesAny, secretDigest, secretsEqual } from "../support/constant-time.ts";
import { withinMs } from "../support/deadline.ts";
import type { TelesignCredential } from "../telesign/credentials.ts";
import { createAccessTokenVerifier, type JwksOptions } from "./access-token.ts";
import type { OktaAuthentication } from "./authentication.ts";

/**
 * Okta's authentication of each call, checked before anything else. It fails closed: a missing
 * or malformed credential, or one that cannot be checked in time, is a failure, never a pass.
 */

export type Authentication =
  /**
   * In passthrough mode, the Telesign credential that Okta's header carried; `unverified` when no
   * TELESIGN_API_KEY was configured to check it against (then only Telesign can tell).
   */
  | { ok: true; telesignCredential?: TelesignCredential; unverified?: true }
  /** `reason` is for the logs and never repeats the credential; `challenge` is the WWW-Authenticate header. */
  | { ok: false; reason: string; challenge?: string };

export type OktaAuthenticator = (headers: Headers, timeoutMs: number) => Promise<Authentication>;

/**
 * The oauth mode's `WWW-Authenticate` challenge (RFC 6750): the issuer whose tokens it verifies
 * (as the realm) and the scope it needs, so that a caller, `npm run okta -- setup` among them,
 * can tell what the deploy accepts before Okta is switched to it; with `invalid_token` when a
 * token was presented. Both are public: they are in the authorization server's own metadata.
 */
function bearerChallenge({ issuer, scope }: { issuer: string; scope: string }, tokenPresented: boolean): string {
  const quoted = (value: string) => `"${value.replace(/[^\x20-\x7e]/g, "").replace(/["\\]/g, "\\$&")}"`;
  const challenge = `Bearer realm=${quoted(issuer)}, scope=${quoted(scope)}`;
  return tokenPresented ? `${challenge}, error="invalid_token"` : challenge;
}

/**
 * @param budgetMs the request's whole budget: a JWKS fetch gets at most half of it, so that
 *   Telesign still has time after a cold fetch.
 */
export function createOktaAuthenticator(
  authentication: OktaAuthentication,
  budgetMs: number,
  jwks: Partial<JwksOptions> = {},
): OktaAuthenticator {
  if (authentication.mode === "oauth") {
    const verify = createAccessTokenVerifier(authentication, { timeoutMs: Math.floor(budgetMs / 2), ...jwks });
    const noToken = bearerChallenge(authentication, false);
    const invalidToken = bearerChallenge(authentication, true);
    return async (headers, timeoutMs) => {
      const authorization = headers.get("authorization");
      const challenge = /^\s*Bearer\s/i.test(authorization ?? "") ? invalidToken : noToken;
      try {
        const checked = await withinMs(timeoutMs, () => verify(authorization));
        return checked.ok ? { ok: true } : { ...checked, challenge };
      } catch {
        return { ok: false, reason: "token could not be verified in time", challenge };
      }
    };
  }
  if (authentication.mode === "passthrough") {
    const apiKeyDigest = authentication.apiKey === undefined ? undefined : secretDigest(authentication.apiKey);
    return async (headers) => {
      const value = headers.get(authentication.headerName);
      if (value === null || value === "") return { ok: false, reason: `missing ${authentication.headerName} header` };
      return telesignCredentialOf(value, authentication.customerId, apiKeyDigest);
    };
  }
  // Every secret is compared, so that timing does not tell which one (or how many) matched.
  const secretDigests = authentication.secrets.map(secretDigest);
  return async (headers) => {
    const value = headers.get(authentication.headerName);
    if (value === null || value === "") return { ok: false, reason: `missing ${authentication.headerName} header` };
    return matchesAny(value, secretDigests)
      ? { ok: true }
      : { ok: false, reason: "header value matches no configured secret" };
  };
}

const basicScheme = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i;

/**
 * The Telesign credential in a passthrough header. A configured customer id pins the account; a
 * configured API key must match too (constant time), so that a wrong key never reaches Telesign.
 */
function telesignCredentialOf(
  value: string,
  allowedCustomerId: string | undefined,
  apiKeyDigest: Buffer | undefined,
): Authentication {
  const encoded = basicScheme.exec(value)?.[1];
  const decoded = encoded === undefined ? "" : Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 1 || colon === decoded.length - 1) {
    return { ok: false, reason: "header is not Basic base64(customerId:apiKey)" };
  }
  const customerId = decoded.slice(0, colon);
  const apiKey = decoded.slice(colon + 1);
  const customerMatches = allowedCustomerId === undefined || secretsEqual(customerId, allowedCustomerId);
  const keyMatches = apiKeyDigest === undefined || matchesAny(apiKey, [apiKeyDigest]);
  if (!customerMatches) return { ok: false, reason: "customer id is not TELESIGN_CUSTOMER_ID" };
  if (!keyMatches) return { ok: false, reason: "API key is not TELESIGN_API_KEY" };
  const telesignCredential = { customerId, apiKey };
  return apiKeyDigest === undefined
    ? { ok: true, telesignCredential, unverified: true }
    : { ok: true, telesignCredential };
}
