import { describe, expect, it } from "vitest";
import { maxRequestBytes } from "../src/handlers/telephony-hook.ts";
import { apiKey, customerId, oktaSecret, startHook } from "./support/hook.ts";
import { capturedLines, logLinesSince } from "./support/log-capture.ts";
import { oktaRequest } from "./support/okta-requests.ts";

/** How the hook authenticates Okta: its header secret, and Telesign's credential passed through (OAuth: okta-oauth.test.ts). */
describe("authentication of Okta", () => {
  it.each([
    ["no header", {}],
    ["an empty header", { authorization: "" }],
    ["a wrong secret", { authorization: "Basic d3Jvbmc6c2VjcmV0" }],
    ["the secret with a different case", { authorization: oktaSecret.toUpperCase() }],
    ["the secret with a suffix", { authorization: `${oktaSecret}x` }],
    ["the secret in another header", { "x-okta-secret": oktaSecret }],
  ])("refuses %s with 401 and never calls Telesign", async (_, headers) => {
    const { simulator, call } = startHook();
    const from = capturedLines.length;
    const { status, json } = await call(oktaRequest(), { headers });
    expect(status).toBe(401);
    expect(json).toEqual({
      error: {
        errorSummary: "Unauthorized",
        errorCauses: [
          {
            errorSummary: "Unauthorized",
            reason: "The request did not carry this hook's credential",
            location: "authorization",
          },
        ],
      },
    });
    expect(simulator.received).toEqual([]);
    expect(logLinesSince(from)).toMatchObject([{ level: "warn", outcome: "unauthenticated" }]);
  });

  it("accepts either of two secrets, so that they can be rotated", async () => {
    const { simulator, call } = startHook({ OKTA_AUTH_SECRETS: `old-secret-4411-rotated, ${oktaSecret}` });
    expect((await call(oktaRequest(), { headers: { authorization: "old-secret-4411-rotated" } })).status).toBe(200);
    expect((await call(oktaRequest(), { headers: { authorization: oktaSecret } })).status).toBe(200);
    expect((await call(oktaRequest(), { headers: { authorization: "older-secret" } })).status).toBe(401);
    expect(simulator.sentBodies()).toHaveLength(2);
  });

  it("reads the configured header whatever the case of its name", async () => {
    const { simulator, call } = startHook({
      OKTA_AUTH_HEADER: "X-Okta-Hook-Secret",
      OKTA_AUTH_SECRETS: "hook-secret-1729",
    });
    expect((await call(oktaRequest(), { headers: { "x-okta-hook-secret": "hook-secret-1729" } })).status).toBe(200);
    expect((await call(oktaRequest(), { headers: { "X-OKTA-HOOK-SECRET": "hook-secret-1729" } })).status).toBe(200);
    expect((await call(oktaRequest(), { headers: { authorization: "hook-secret-1729" } })).status).toBe(401);
    expect(simulator.sentBodies()).toHaveLength(2);
  });

  it("authenticates before reading the body: an unauthenticated oversized body gets 401", async () => {
    const { call } = startHook();
    const { status } = await call(null, { headers: {}, rawBody: "x".repeat(maxRequestBytes + 1) });
    expect(status).toBe(401);
  });

  describe("passthrough mode", () => {
    const passthroughEnv = { OKTA_AUTH_MODE: "passthrough", TELESIGN_API_KEY: undefined, OKTA_AUTH_SECRETS: undefined };
    const telesignBasic = `Basic ${Buffer.from(`${customerId}:${apiKey}`).toString("base64")}`;

    it("forwards the Basic customerId:apiKey Okta sends as the Telesign credential", async () => {
      const { simulator, call } = startHook(passthroughEnv);
      const { json } = await call(oktaRequest(), { headers: { authorization: telesignBasic } });
      expect(simulator.received[0]?.headers.authorization).toBe(telesignBasic);
      expect(json.commands[0].value[0].status).toBe("SUCCESSFUL");
    });

    it("signs with the passed-through key when TELESIGN_AUTH_METHOD is digest", async () => {
      const { simulator, call } = startHook({ ...passthroughEnv, TELESIGN_AUTH_METHOD: "digest" });
      const { json } = await call(oktaRequest(), { headers: { authorization: telesignBasic } });
      expect(simulator.received[0]?.headers.authorization).toMatch(/^TSA /);
      expect(json.commands[0].value[0].status).toBe("SUCCESSFUL");
    });

    it("answers Telesign's 3400 when the passed-through key is wrong", async () => {
      const { call } = startHook(passthroughEnv);
      const wrong = `Basic ${Buffer.from(`${customerId}:d3Jvbmcga2V5`).toString("base64")}`;
      const { status, json } = await call(oktaRequest(), { headers: { authorization: wrong } });
      expect(status).toBe(200);
      expect(json.error.errorSummary).toBe("3400");
    });

    it.each([
      ["no header", {}],
      ["a Bearer token", { authorization: "Bearer abc.def.ghi" }],
      ["Basic without a colon", { authorization: `Basic ${Buffer.from("nocolon").toString("base64")}` }],
      ["Basic with an empty key", { authorization: `Basic ${Buffer.from(`${customerId}:`).toString("base64")}` }],
      ["Basic that is not base64", { authorization: "Basic !!!" }],
    ])("refuses %s with 401 and never calls Telesign", async (_, headers) => {
      const { simulator, call } = startHook(passthroughEnv);
      const { status } = await call(oktaRequest(), { headers });
      expect(status).toBe(401);
      expect(simulator.received).toEqual([]);
    });

    it("with TELESIGN_API_KEY set, refuses a wrong key with 401 itself: a customer id alone never reaches Telesign", async () => {
      const { simulator, call } = startHook({ ...passthroughEnv, TELESIGN_API_KEY: apiKey });
      const from = capturedLines.length;
      const wrong = `Basic ${Buffer.from(`${customerId}:d3Jvbmcga2V5`).toString("base64")}`;
      const { status } = await call(oktaRequest(), { headers: { authorization: wrong } });
      expect(status).toBe(401);
      expect(simulator.received).toEqual([]);
      expect(logLinesSince(from)).toMatchObject([
        { outcome: "unauthenticated", reason: "API key is not TELESIGN_API_KEY" },
      ]);
      expect((await call(oktaRequest(), { headers: { authorization: telesignBasic } })).status).toBe(200);
      expect(simulator.sentBodies()).toHaveLength(1);
    });

    it("refuses another Telesign account when TELESIGN_CUSTOMER_ID is set", async () => {
      const { simulator, call } = startHook(passthroughEnv);
      const other = `Basic ${Buffer.from(`B0000000-0000-4000-8000-000000000000:${apiKey}`).toString("base64")}`;
      const { status } = await call(oktaRequest(), { headers: { authorization: other } });
      expect(status).toBe(401);
      expect(simulator.received).toEqual([]);
    });
  });
});
