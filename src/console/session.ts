import { hkdfSync } from "node:crypto";
import { EncryptJWT, jwtDecrypt } from "jose";

/**
 * The console's cookies, sealed (encrypted and authenticated: AES-256-GCM in a JWE) with a key
 * derived from CONSOLE_SESSION_KEY, so that the browser holds nothing it can read or change and
 * the site keeps no session store. Two kinds, each with its own derived key: the agent's session,
 * and the few minutes of a sign-in on its way through Okta.
 */

export interface Agent {
  /** Okta's user id (the ID token's `sub`). */
  id: string;
  name: string;
  login: string;
  /** The groups of CONSOLE_GROUPS the agent was a member of at sign-in. */
  groups: string[];
}

export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export const sessionCookie = "__Host-console-session";
export const signInCookie = "__Host-console-sign-in";

/** A sign-in must come back from Okta within this long. */
export const signInSeconds = 10 * 60;

type Purpose = "session" | "sign-in";

export interface Sealer {
  seal(purpose: Purpose, claims: Record<string, unknown>, expiresAt: Date): Promise<string>;
  /** The claims, or undefined for anything not sealed by this site for this purpose, or expired. */
  open(purpose: Purpose, sealed: string | undefined): Promise<Record<string, unknown> | undefined>;
}

/**
 * `maxAgeSeconds`: how long after sealing a cookie of each purpose is still opened, whatever its
 * own expiry says, so that a shorter CONSOLE_SESSION_HOURS ends longer sessions sealed before it.
 */
export function createSealer(
  siteKey: string,
  maxAgeSeconds: Record<Purpose, number>,
  now: () => Date = () => new Date(),
): Sealer {
  const keys: Record<Purpose, Uint8Array> = {
    session: derive(siteKey, "session"),
    "sign-in": derive(siteKey, "sign-in"),
  };
  return {
    seal: (purpose, claims, expiresAt) =>
      new EncryptJWT(claims)
        .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
        .setIssuedAt(Math.floor(now().getTime() / 1000))
        .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
        .encrypt(keys[purpose]),
    async open(purpose, sealed) {
      if (sealed === undefined || sealed.length > 4096) return undefined;
      try {
        const { payload } = await jwtDecrypt(sealed, keys[purpose], {
          keyManagementAlgorithms: ["dir"],
          contentEncryptionAlgorithms: ["A256GCM"],
          requiredClaims: ["exp", "iat"],
          maxTokenAge: maxAgeSeconds[purpose],
          currentDate: now(),
        });
        return payload;
      } catch {
        return undefined;
      }
    },
  };
}

function derive(siteKey: string, purpose: Purpose): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", siteKey, "", `helpdesk console ${purpose}`, 32));
}

/**
 * The agent a session names, when its claims are whole and one of its groups is still in
 * `allowedGroups` (CONSOLE_GROUPS now: a group taken out of it ends its members' sessions).
 */
export function agentOf(claims: Record<string, unknown> | undefined, allowedGroups: string[]): Agent | undefined {
  const { sub, name, login, groups } = claims ?? {};
  if (typeof sub !== "string" || typeof name !== "string" || typeof login !== "string") return undefined;
  if (!Array.isArray(groups) || !groups.some((group) => allowedGroups.includes(group))) return undefined;
  return { id: sub, name, login, groups: groups.filter((group): group is string => typeof group === "string") };
}

export function pendingSignInOf(claims: Record<string, unknown> | undefined): PendingSignIn | undefined {
  const { state, nonce, codeVerifier } = claims ?? {};
  if (typeof state !== "string" || typeof nonce !== "string" || typeof codeVerifier !== "string") return undefined;
  return { state, nonce, codeVerifier };
}

/** A cookie's value from a Cookie header. */
export function cookieValue(header: string | null, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return rest.join("=");
  }
  return undefined;
}

/**
 * A Set-Cookie value: HttpOnly and Secure always, host-only (`__Host-`). The session is
 * SameSite=Strict; the sign-in's is Lax, since Okta's redirect back is a cross-site navigation.
 */
export function setCookie(name: string, value: string, maxAgeSeconds: number, sameSite: "Strict" | "Lax"): string {
  return `${name}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=${sameSite}`;
}

export function clearCookie(name: string, sameSite: "Strict" | "Lax"): string {
  return setCookie(name, "", 0, sameSite);
}
