import * as oidc from "openid-client";
import type { ConsoleSettings } from "./console-config.ts";
import type { PendingSignIn } from "./session.ts";

/**
 * Signing an agent in with the org's Okta, on the server (a backend-for-frontend): OpenID
 * Connect's authorization code flow with PKCE, through `openid-client`. The browser carries only
 * Okta's one-time code back; the tokens are exchanged, checked (issuer, audience, expiry, nonce,
 * state) and dropped here, and only who the agent is goes into the sealed session.
 */

export interface SignedInUser {
  id: string;
  name: string;
  login: string;
  /** Okta's groups claim, undefined when the ID token carries none (the app lacks the claim). */
  groups: string[] | undefined;
}

export interface OktaSignIn {
  start(redirectUri: string): Promise<{ url: string; pending: PendingSignIn }>;
  /** The user of Okta's answer at `callbackUrl`, or an error (OAuth's, or the token's checks). */
  complete(callbackUrl: URL, pending: PendingSignIn, redirectUri: string): Promise<SignedInUser>;
}

/** Okta's discovery and token endpoints get this long each. */
const oktaTimeoutSeconds = 8;

export function createOktaSignIn(settings: ConsoleSettings): OktaSignIn {
  let discovered: Promise<oidc.Configuration> | undefined;
  const configuration = () => {
    discovered ??= oidc
      .discovery(
        new URL(settings.issuer),
        settings.clientId,
        undefined,
        oidc.ClientSecretBasic(settings.clientSecret),
        {
          timeout: oktaTimeoutSeconds,
          // Plain http only ever reaches the loopback stand-in (the configuration refuses it elsewhere).
          ...(settings.local && { execute: [oidc.allowInsecureRequests] }),
        },
      )
      .catch((error: unknown) => {
        discovered = undefined; // the next sign-in asks again
        throw error;
      });
    return discovered;
  };

  return {
    async start(redirectUri) {
      const config = await configuration();
      const pending = {
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        codeVerifier: oidc.randomPKCECodeVerifier(),
      };
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: settings.scope,
        code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
        code_challenge_method: "S256",
        state: pending.state,
        nonce: pending.nonce,
      });
      return { url: url.href, pending };
    },
    async complete(callbackUrl, pending, redirectUri) {
      const config = await configuration();
      const tokens = await oidc.authorizationCodeGrant(
        config,
        callbackUrl,
        {
          pkceCodeVerifier: pending.codeVerifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        },
        { redirect_uri: redirectUri },
      );
      const claims = tokens.claims();
      if (claims === undefined) throw new Error("Okta's answer has no ID token");
      const groups = Array.isArray(claims.groups)
        ? claims.groups.filter((group): group is string => typeof group === "string")
        : undefined;
      const login = stringClaim(claims.preferred_username) ?? stringClaim(claims.email) ?? claims.sub;
      return { id: claims.sub, name: stringClaim(claims.name) ?? login, login, groups };
    },
  };
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value.slice(0, 200) : undefined;
}
