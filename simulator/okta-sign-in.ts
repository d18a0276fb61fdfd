import { createHash, randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

/**
 * A stand-in for Okta's sign-in (an OpenID Connect authorization server) on loopback: discovery,
 * authorize, token and keys, as Okta's org authorization server answers them. It signs in one
 * user without asking (the local demo's agent, or whoever a test sets), and checks what Okta
 * checks: the client's id and secret, the redirect URI, PKCE (S256 only), and single-use codes.
 * The ID token carries `groups` only when the user has them, as an Okta app without the groups
 * claim would not.
 */

export interface StandInUser {
  sub: string;
  name: string;
  login: string;
  /** Undefined: the ID token has no groups claim. */
  groups?: string[];
}

export interface OktaSignInOptions {
  clientId: string;
  clientSecret: string;
  user: StandInUser;
  /** The app's sign-in redirect URIs (default: any on 127.0.0.1, for a local run on any port). */
  redirectUris?: string[];
  port?: number;
}

export interface OktaSignInServer {
  /** The issuer: CONSOLE_OKTA_ISSUER. */
  issuer: string;
  /** Who the next sign-in is. */
  user: StandInUser;
  /** Token requests received, and whether each was accepted (tests read them). */
  tokenRequests: { accepted: boolean; error?: string }[];
  close(): Promise<void>;
}

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  nonce?: string;
  user: StandInUser;
}

const oauthError = (status: number, error: string, description: string) =>
  Response.json({ error, error_description: description }, { status, headers: { "cache-control": "no-store" } });

export async function serveOktaSignIn(options: OktaSignInOptions): Promise<OktaSignInServer> {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const kid = randomBytes(8).toString("hex");
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  const codes = new Map<string, IssuedCode>();
  let issuer = "";
  const state: OktaSignInServer = { issuer: "", user: options.user, tokenRequests: [], close: async () => {} };

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    switch (`${request.method} ${url.pathname}`) {
      case "GET /.well-known/openid-configuration":
        return Response.json({
          issuer,
          authorization_endpoint: `${issuer}/oauth2/v1/authorize`,
          token_endpoint: `${issuer}/oauth2/v1/token`,
          jwks_uri: `${issuer}/oauth2/v1/keys`,
          response_types_supported: ["code"],
          subject_types_supported: ["public"],
          id_token_signing_alg_values_supported: ["RS256"],
          code_challenge_methods_supported: ["S256"],
          token_endpoint_auth_methods_supported: ["client_secret_basic"],
          scopes_supported: ["openid", "profile", "email", "groups"],
        });
      case "GET /oauth2/v1/keys":
        return Response.json({ keys: [jwk] });
      case "GET /oauth2/v1/authorize":
        return authorize(url.searchParams);
      case "POST /oauth2/v1/token":
        return token(request);
    }
    return new Response("Not found", { status: 404 });
  }

  function authorize(params: URLSearchParams): Response {
    const redirectUri = params.get("redirect_uri") ?? "";
    // Okta shows its own error page for an unknown client or redirect URI: never a redirect.
    if (params.get("client_id") !== options.clientId) return new Response("Unknown client", { status: 400 });
    const registered = options.redirectUris
      ? options.redirectUris.includes(redirectUri)
      : URL.canParse(redirectUri) && new URL(redirectUri).hostname === "127.0.0.1";
    if (!registered) {
      return new Response("The redirect_uri is not registered for this app", { status: 400 });
    }
    const back = new URL(redirectUri);
    const stateParam = params.get("state");
    if (stateParam !== null) back.searchParams.set("state", stateParam);
    const challenge = params.get("code_challenge");
    if (params.get("response_type") !== "code" || params.get("code_challenge_method") !== "S256" || !challenge) {
      back.searchParams.set("error", "invalid_request");
      return Response.redirect(back.href, 302);
    }
    const code = randomBytes(24).toString("base64url");
    codes.set(code, {
      clientId: options.clientId,
      redirectUri,
      challenge,
      nonce: params.get("nonce") ?? undefined,
      user: state.user,
    });
    back.searchParams.set("code", code);
    return Response.redirect(back.href, 302);
  }

  async function token(request: Request): Promise<Response> {
    const refuse = (status: number, error: string, description: string) => {
      state.tokenRequests.push({ accepted: false, error });
      return oauthError(status, error, description);
    };
    const basic = /^Basic (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
    const [id, secret] = Buffer.from(basic ?? "", "base64")
      .toString()
      .split(":")
      .map((part) => decodeURIComponent(part));
    if (id !== options.clientId || secret !== options.clientSecret) {
      return refuse(401, "invalid_client", "Client authentication failed.");
    }
    const form = new URLSearchParams(await request.text());
    const issued = codes.get(form.get("code") ?? "");
    codes.delete(form.get("code") ?? "");
    if (form.get("grant_type") !== "authorization_code" || issued === undefined) {
      return refuse(400, "invalid_grant", "The authorization code is invalid or has expired.");
    }
    if (form.get("redirect_uri") !== issued.redirectUri) {
      return refuse(400, "invalid_grant", "The redirect_uri does not match.");
    }
    const verifier = form.get("code_verifier") ?? "";
    if (createHash("sha256").update(verifier).digest("base64url") !== issued.challenge) {
      return refuse(400, "invalid_grant", "PKCE verification failed.");
    }
    const { user } = issued;
    const idToken = await new SignJWT({
      name: user.name,
      preferred_username: user.login,
      email: user.login,
      ...(issued.nonce !== undefined && { nonce: issued.nonce }),
      ...(user.groups !== undefined && { groups: user.groups }),
    })
      .setProtectedHeader({ alg: "RS256", kid })
      .setIssuer(issuer)
      .setAudience(issued.clientId)
      .setSubject(user.sub)
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(privateKey);
    state.tokenRequests.push({ accepted: true });
    return Response.json(
      {
        token_type: "Bearer",
        expires_in: 3600,
        access_token: randomBytes(24).toString("base64url"),
        id_token: idToken,
        scope: "openid profile email groups",
      },
      { headers: { "cache-control": "no-store" } },
    );
  }

  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: handle, hostname: "127.0.0.1", port: options.port ?? 0, overrideGlobalObjects: false },
      (address: AddressInfo) => {
        issuer = `http://127.0.0.1:${address.port}`;
        state.issuer = issuer;
        state.close = () =>
          new Promise<void>((done) => {
            server.close(() => done());
            if ("closeAllConnections" in server) server.closeAllConnections();
          });
        resolve(state);
      },
    );
    server.once("error", reject);
  });
}
