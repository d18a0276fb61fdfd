import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";
import { HttpResponse, http } from "msw";
import { beforeAll, describe, expect, it } from "vitest";
import { parseConfig, parseStatusConfig } from "../src/config.ts";
import { createTelephonyHook } from "../src/handlers/telephony-hook.ts";
import { createTransactionStatus } from "../src/handlers/telesign-status.ts";
import { createAccessTokenVerifier } from "../src/okta/access-token.ts";
import type { TransactionStore } from "../src/storage/transaction-store.ts";
import { baseEnv, oktaPost, startHook } from "./support/hook.ts";
import { capturedLines, logLinesSince } from "./support/log-capture.ts";
import { server } from "./support/msw-server.ts";
import { oktaRequest } from "./support/okta-requests.ts";
import { markSensitive } from "./support/sensitive.ts";

const issuer = "https://example.okta.com/oauth2/default";
const jwksUrl = `${issuer}/v1/keys`;
const scope = "okta.telephony.hook";
const clientId = "0oaHookClient00000001";
const oauthEnv = {
  OKTA_AUTH_MODE: "oauth",
  OKTA_AUTH_SECRETS: undefined,
  OKTA_OAUTH_ISSUER: issuer,
  OKTA_OAUTH_SCOPE: scope,
  OKTA_OAUTH_CLIENT_ID: clientId,
};

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
let rsa: KeyPair;
let rotated: KeyPair;
let ec: KeyPair;
let rsaJwk: JWK;
let rotatedJwk: JWK;
let ecJwk: JWK;

beforeAll(async () => {
  [rsa, rotated, ec] = await Promise.all([
    generateKeyPair("RS256", { extractable: true }),
    generateKeyPair("RS256", { extractable: true }),
    generateKeyPair("ES256", { extractable: true }),
  ]);
  rsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: "rsa-1", alg: "RS256", use: "sig" };
  rotatedJwk = { ...(await exportJWK(rotated.publicKey)), kid: "rsa-2", alg: "RS256", use: "sig" };
  ecJwk = { ...(await exportJWK(ec.publicKey)), kid: "ec-1", alg: "ES256", use: "sig" };
});

/** Serves the authorization server's JWKS through msw and counts the fetches. */
function serveJwks(keys: () => JWK[] | Response | Promise<never>) {
  const fetches = { count: 0 };
  server.use(
    http.get(jwksUrl, () => {
      fetches.count += 1;
      const answer = keys();
      return answer instanceof Response || answer instanceof Promise ? answer : HttpResponse.json({ keys: answer });
    }),
  );
  return fetches;
}

const standardClaims = (): JWTPayload => ({ scp: [scope], cid: clientId, sub: clientId });

async function accessToken({
  claims = standardClaims(),
  key = rsa.privateKey,
  alg = "RS256",
  kid = "rsa-1",
  audience = "api://default",
  tokenIssuer = issuer,
  issuedAt = "0s",
  notBefore,
  expiresIn = "1h",
}: {
  claims?: JWTPayload;
  key?: CryptoKey | Uint8Array;
  alg?: string;
  kid?: string;
  audience?: string;
  tokenIssuer?: string;
  issuedAt?: string;
  notBefore?: string;
  /** null: no exp claim at all. */
  expiresIn?: string | null;
} = {}) {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg, kid, typ: "JWT" })
    .setIssuer(tokenIssuer)
    .setAudience(audience)
    .setIssuedAt(issuedAt === "0s" ? undefined : issuedAt);
  if (notBefore !== undefined) jwt.setNotBefore(notBefore);
  if (expiresIn !== null) jwt.setExpirationTime(expiresIn);
  const token = await jwt.sign(key);
  markSensitive(token);
  return token;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("OAuth 2.0: Okta's access token", () => {
  it("accepts a valid token and sends the code", async () => {
    serveJwks(() => [rsaJwk]);
    const { simulator, call } = startHook(oauthEnv);
    const { status, json } = await call(oktaRequest(), { headers: { authorization: `Bearer ${await accessToken()}` } });
    expect(status).toBe(200);
    expect(json.commands[0].value[0].status).toBe("SUCCESSFUL");
    expect(simulator.sentBodies()).toHaveLength(1);
  });

  it("accepts the scope as a space-separated `scope` claim too", async () => {
    serveJwks(() => [rsaJwk]);
    const { call } = startHook(oauthEnv);
    const token = await accessToken({ claims: { scope: `openid ${scope}`, cid: clientId } });
    expect((await call(oktaRequest(), { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it("accepts an EC key when ES256 is allowed", async () => {
    serveJwks(() => [rsaJwk, ecJwk]);
    const { call } = startHook({ ...oauthEnv, OKTA_OAUTH_ALGORITHMS: "RS256, ES256" });
    const token = await accessToken({ key: ec.privateKey, alg: "ES256", kid: "ec-1" });
    expect((await call(oktaRequest(), { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it("accepts a token without cid when no client id is configured", async () => {
    serveJwks(() => [rsaJwk]);
    const { call } = startHook({ ...oauthEnv, OKTA_OAUTH_CLIENT_ID: undefined });
    const token = await accessToken({ claims: { scp: [scope] } });
    expect((await call(oktaRequest(), { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  const refused: [string, () => Promise<Record<string, string>>, RegExp][] = [
    [
      "an expired token",
      async () => bearer(await accessToken({ issuedAt: "-2h", expiresIn: "-1h" })),
      /ERR_JWT_EXPIRED/,
    ],
    ["a token not yet valid", async () => bearer(await accessToken({ notBefore: "10m" })), /nbf/],
    [
      "a token issued in the future",
      async () => bearer(await accessToken({ issuedAt: "10m", expiresIn: "2h" })),
      /iat/,
    ],
    [
      "a token of another issuer",
      async () => bearer(await accessToken({ tokenIssuer: "https://evil.example.com/oauth2/default" })),
      /iss/,
    ],
    ["a token for another audience", async () => bearer(await accessToken({ audience: "api://other" })), /aud/],
    [
      "a token without the scope",
      async () => bearer(await accessToken({ claims: { scp: ["other.scope"], cid: clientId } })),
      /scope okta\.telephony\.hook not granted/,
    ],
    [
      "a token of another client",
      async () => bearer(await accessToken({ claims: { scp: [scope], cid: "0oaOtherClient" } })),
      /cid/,
    ],
    ["a token without exp", async () => bearer(await accessToken({ expiresIn: null })), /exp/],
    [
      "an unsigned token (alg none)",
      async () =>
        bearer(
          `${base64url({ alg: "none", typ: "JWT" })}.${base64url({ ...standardClaims(), iss: issuer, aud: "api://default", exp: Math.floor(Date.now() / 1000) + 3600, iat: Math.floor(Date.now() / 1000) })}.`,
        ),
      /ERR_JOSE_ALG_NOT_ALLOWED|ERR_JWS_INVALID/,
    ],
    [
      "HS256 signed with the public key (algorithm confusion)",
      async () => bearer(await accessToken({ alg: "HS256", key: new TextEncoder().encode(JSON.stringify(rsaJwk)) })),
      /ERR_JOSE_ALG_NOT_ALLOWED/,
    ],
    [
      "an ES256 token when only RS256 is allowed",
      async () => bearer(await accessToken({ key: ec.privateKey, alg: "ES256", kid: "ec-1" })),
      /ERR_JOSE_ALG_NOT_ALLOWED/,
    ],
    [
      "a token signed by an unknown key",
      async () => bearer(await accessToken({ key: rotated.privateKey, kid: "rsa-1" })),
      /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/,
    ],
    ["a token in another header", async () => ({ "x-okta-token": `Bearer ${await accessToken()}` }), /no Bearer token/],
    [
      "a token under another scheme",
      async () => ({ authorization: `Token ${await accessToken()}` }),
      /no Bearer token/,
    ],
    ["Basic credentials", async () => ({ authorization: "Basic b2t0YTpzZWNyZXQ=" }), /no Bearer token/],
    ["a token that is not a JWT", async () => ({ authorization: "Bearer not-a-jwt" }), /ERR_JWS_INVALID/],
  ];

  it.each(refused)(
    "refuses %s with 401 and a Bearer challenge naming the issuer, scope, audience and client, never calling Telesign",
    async (_, headers, reason) => {
      serveJwks(() => [rsaJwk, ecJwk]);
      const { simulator, call } = startHook(oauthEnv);
      const from = capturedLines.length;
      const { status, json, response } = await call(oktaRequest(), { headers: await headers() });
      expect(status).toBe(401);
      const sent = await headers();
      const challenge = `Bearer realm="${issuer}", scope="${scope}", audience="api://default", client_id="${clientId}"`;
      expect(response.headers.get("www-authenticate")).toBe(
        /^Bearer /.test(sent.authorization ?? "") ? `${challenge}, error="invalid_token"` : challenge,
      );
      expect(json.error.errorSummary).toBe("Unauthorized");
      expect(simulator.received).toEqual([]);
      const [line] = logLinesSince(from);
      expect(line).toMatchObject({ outcome: "unauthenticated" });
      expect(String(line?.reason)).toMatch(reason);
    },
  );

  it("names no client in its challenge when it accepts any client of the server", async () => {
    const { call } = startHook({
      ...oauthEnv,
      OKTA_OAUTH_CLIENT_ID: undefined,
      OKTA_OAUTH_AUDIENCE: "api://telephony",
    });
    const { status, response } = await call(oktaRequest(), { headers: {} });
    expect(status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe(
      `Bearer realm="${issuer}", scope="${scope}", audience="api://telephony"`,
    );
  });

  it.each([
    ["down (HTTP 500)", () => new HttpResponse("oops", { status: 500 })],
    ["answering garbage", () => new HttpResponse("<html>", { status: 200, headers: { "content-type": "text/html" } })],
    ["answering a JWKS without keys", () => HttpResponse.json({ nothing: true })],
    ["unreachable", () => HttpResponse.error()],
  ])("fails closed when the JWKS endpoint is %s", async (_, answer) => {
    serveJwks(answer);
    const { simulator, call } = startHook(oauthEnv);
    const { status } = await call(oktaRequest(), { headers: bearer(await accessToken()) });
    expect(status).toBe(401);
    expect(simulator.received).toEqual([]);
  });

  it("fails closed inside the deadline when the JWKS endpoint hangs", async () => {
    serveJwks(() => new Promise<never>(() => {}));
    const { simulator, call } = startHook({ ...oauthEnv, TELESIGN_TIMEOUT_MS: "400" });
    const started = performance.now();
    const { status } = await call(oktaRequest(), { headers: bearer(await accessToken()) });
    expect(status).toBe(401);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(simulator.received).toEqual([]);
  });

  it("fetches the JWKS once across many calls", async () => {
    const fetches = serveJwks(() => [rsaJwk]);
    const { call } = startHook(oauthEnv);
    const token = await accessToken();
    for (let index = 0; index < 20; index++)
      expect((await call(oktaRequest(), { headers: bearer(token) })).status).toBe(200);
    expect(fetches.count).toBe(1);
  });

  it("does not let a flood of unknown key ids hammer the authorization server", async () => {
    const fetches = serveJwks(() => [rsaJwk]);
    const { call } = startHook(oauthEnv);
    expect((await call(oktaRequest(), { headers: bearer(await accessToken()) })).status).toBe(200);
    const unknown = await accessToken({ key: rotated.privateKey, kid: "rsa-unknown" });
    for (let index = 0; index < 20; index++)
      expect((await call(oktaRequest(), { headers: bearer(unknown) })).status).toBe(401);
    expect(fetches.count).toBe(1);
  });

  it("reports a configuration without issuer or scope at the first request", async () => {
    const { call, simulator } = startHook({ OKTA_AUTH_MODE: "oauth", OKTA_AUTH_SECRETS: undefined });
    const from = capturedLines.length;
    const { status, json } = await call(oktaRequest(), { headers: bearer("x.y.z") });
    expect(status).toBe(200);
    expect(json.error.errorSummary).toBe("Hook not configured");
    expect(logLinesSince(from)).toMatchObject([
      {
        outcome: "misconfigured",
        problems: [
          "OKTA_OAUTH_ISSUER is required when OKTA_AUTH_MODE is oauth",
          "OKTA_OAUTH_SCOPE is required when OKTA_AUTH_MODE is oauth",
        ],
      },
    ]);
    expect(simulator.received).toEqual([]);
  });

  it.each([
    [
      { OKTA_OAUTH_ALGORITHMS: "HS256" },
      "OKTA_OAUTH_ALGORITHMS must list algorithms among RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA",
    ],
    [
      { OKTA_OAUTH_ALGORITHMS: "none" },
      "OKTA_OAUTH_ALGORITHMS must list algorithms among RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA",
    ],
    [{ OKTA_OAUTH_ISSUER: "not a url" }, "OKTA_OAUTH_ISSUER must be an https URL"],
  ])("refuses the configuration %j", (env, problem) => {
    expect(parseConfig({ ...baseEnv, ...oauthEnv, ...env })).toMatchObject({
      ok: false,
      problems: [{ variables: [Object.keys(env)[0]], message: problem }],
    });
  });

  it("derives the JWKS URL from the issuer, or takes OKTA_OAUTH_JWKS_URL", () => {
    expect(parseConfig({ ...baseEnv, ...oauthEnv })).toMatchObject({
      ok: true,
      config: { okta: { mode: "oauth", jwksUrl: jwksUrl, audience: "api://default", algorithms: ["RS256"] } },
    });
    expect(
      parseConfig({ ...baseEnv, ...oauthEnv, OKTA_OAUTH_JWKS_URL: "https://keys.example.com/jwks/" }),
    ).toMatchObject({
      ok: true,
      config: { okta: { jwksUrl: "https://keys.example.com/jwks" } },
    });
  });
});

describe("key rotation", () => {
  const settings = { issuer, audience: "api://default", scope, clientId, jwksUrl, algorithms: ["RS256"] };

  it("fetches the JWKS again for an unknown kid once the cooldown has passed, and accepts the rotated key", async () => {
    let keys = [rsaJwk];
    const fetches = serveJwks(() => keys);
    const verify = createAccessTokenVerifier(settings, { timeoutMs: 1_000, cooldownMs: 0 });
    expect(await verify(`Bearer ${await accessToken()}`)).toEqual({ ok: true });
    keys = [rsaJwk, rotatedJwk];
    expect(await verify(`Bearer ${await accessToken({ key: rotated.privateKey, kid: "rsa-2" })}`)).toEqual({
      ok: true,
    });
    expect(fetches.count).toBe(2);
  });

  it("refuses the rotated key while the cooldown lasts", async () => {
    let keys = [rsaJwk];
    serveJwks(() => keys);
    const verify = createAccessTokenVerifier(settings, { timeoutMs: 1_000, cooldownMs: 60_000 });
    expect(await verify(`Bearer ${await accessToken()}`)).toEqual({ ok: true });
    keys = [rsaJwk, rotatedJwk];
    expect(await verify(`Bearer ${await accessToken({ key: rotated.privateKey, kid: "rsa-2" })}`)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/ERR_JWKS_NO_MATCHING_KEY/),
    });
  });
});

describe("one hook instance, many requests", () => {
  it("keeps the JWKS cache per instance: a new cold start fetches again", async () => {
    const fetches = serveJwks(() => [rsaJwk]);
    const token = await accessToken();
    for (let coldStart = 0; coldStart < 2; coldStart++) {
      const hook = createTelephonyHook({ config: parseConfig({ ...baseEnv, ...oauthEnv }) });
      startHook(); // serves the Telesign simulator
      const response = await hook(oktaPost(oktaRequest(), bearer(token)));
      expect(response.status).toBe(200);
    }
    expect(fetches.count).toBe(2);
  });
});

describe("the status endpoint in oauth mode", () => {
  it("reads with Okta's access token, and refuses a bad one", async () => {
    serveJwks(() => [rsaJwk]);
    startHook(); // serves the Telesign simulator
    const none = {
      get: async () => undefined,
      getByEventId: async () => undefined,
      getBlocked: async () => undefined,
    } as unknown as TransactionStore;
    const transactionStatus = createTransactionStatus({
      config: parseStatusConfig({ ...baseEnv, ...oauthEnv }),
      transactions: () => none,
    });
    const ask = async (headers: Record<string, string>) =>
      (await transactionStatus(new Request(`https://hook.example/s?referenceId=${"A".repeat(32)}`, { headers })))
        .status;
    expect(await ask(bearer(await accessToken()))).toBe(404);
    expect(await ask(bearer(await accessToken({ audience: "api://other" })))).toBe(401);
  });
});

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
