import type { JWTPayload } from "jose";
import { bearerTokenOf } from "../http/bearer-token.ts";
import type { OAuthSettings } from "./authentication.ts";

/**
 * Okta's OAuth 2.0 access token, verified with jose: signature against the authorization
 * server's JWKS (cached across calls; refetched on an unknown `kid`, at most once per cooldown),
 * `iss`, `aud`, `exp`/`nbf`/`iat` with a small tolerance, the scope, and `cid` when configured.
 * Only the configured asymmetric algorithms are accepted: never `none`, never an HMAC.
 */

export type TokenCheck = { ok: true } | { ok: false; reason: string };

export interface JwksOptions {
  /** The longest one JWKS fetch may take. */
  timeoutMs: number;
  /** After a fetch, an unknown `kid` waits this long before the JWKS is fetched again. */
  cooldownMs?: number;
  /** Keys are fetched again after this long even when they are all known. */
  maxAgeMs?: number;
}

const clockToleranceSeconds = 30;
/** Okta's longest access-token lifetime: an older `iat` is refused. */
const maxTokenAge = "24h";

export function createAccessTokenVerifier(settings: OAuthSettings, jwksOptions: JwksOptions) {
  // Loaded only here: the other authentication modes never pay for jose at a cold start.
  const verifier = import("jose").then(({ createRemoteJWKSet, jwtVerify }) => ({
    jwtVerify,
    jwks: createRemoteJWKSet(new URL(settings.jwksUrl), {
      timeoutDuration: jwksOptions.timeoutMs,
      cooldownDuration: jwksOptions.cooldownMs ?? 30_000,
      cacheMaxAge: jwksOptions.maxAgeMs ?? 10 * 60_000,
    }),
  }));

  return async function verifyAccessToken(authorization: string | null): Promise<TokenCheck> {
    const token = bearerTokenOf(authorization);
    if (token === undefined) return { ok: false, reason: "no Bearer token in authorization" };
    let payload: JWTPayload;
    try {
      const { jwtVerify, jwks } = await verifier;
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: settings.issuer,
        audience: settings.audience,
        algorithms: settings.algorithms,
        clockTolerance: clockToleranceSeconds,
        maxTokenAge,
        requiredClaims: ["exp"],
      }));
    } catch (error) {
      return { ok: false, reason: failedCheck(error) };
    }
    if (!scopesOf(payload).includes(settings.scope))
      return { ok: false, reason: `scope ${settings.scope} not granted` };
    if (settings.clientId !== undefined && payload.cid !== settings.clientId) {
      return { ok: false, reason: "cid is not OKTA_OAUTH_CLIENT_ID" };
    }
    return { ok: true };
  };
}

/** Okta puts scopes in `scp` (an array); other servers in `scope` (space-separated). */
function scopesOf(payload: JWTPayload): string[] {
  if (Array.isArray(payload.scp)) return payload.scp.filter((scope): scope is string => typeof scope === "string");
  return typeof payload.scope === "string" ? payload.scope.split(" ").filter(Boolean) : [];
}

/** Which check failed, for the logs: jose's code and message name the claim, never the token. */
function failedCheck(error: unknown): string {
  if (!(error instanceof Error)) return "token not verified";
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? `${code}: ${error.message}` : `token not verified: ${error.name}`;
}
