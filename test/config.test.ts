import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.ts";

const required = { TELESIGN_CUSTOMER_ID: "customer", TELESIGN_API_KEY: "a2V5", OKTA_AUTH_SECRETS: "s3cret" };

describe("parseConfig", () => {
  it("applies the documented defaults", () => {
    expect(parseConfig(required)).toEqual({
      ok: true,
      config: {
        telesign: {
          apiUrl: "https://rest-ww.telesign.com",
          authMethod: "basic",
          timeoutMs: 2500,
          smsSenderId: undefined,
          credential: { customerId: "customer", apiKey: "a2V5" },
        },
        okta: { mode: "header", headerName: "authorization", secrets: ["s3cret"] },
      },
    });
  });

  it("reads every variable", () => {
    const result = parseConfig({
      ...required,
      TELESIGN_API_URL: "http://127.0.0.1:8787/",
      TELESIGN_AUTH_METHOD: "digest",
      TELESIGN_TIMEOUT_MS: "1800",
      TELESIGN_SMS_SENDER_ID: " Acme ",
      OKTA_AUTH_HEADER: "X-Hook-Secret",
      OKTA_AUTH_SECRETS: "new-secret , old-secret,",
    });
    expect(result).toMatchObject({
      ok: true,
      config: {
        telesign: { apiUrl: "http://127.0.0.1:8787", authMethod: "digest", timeoutMs: 1800, smsSenderId: "Acme" },
        okta: { mode: "header", headerName: "x-hook-secret", secrets: ["new-secret", "old-secret"] },
      },
    });
  });

  it("treats empty variables as unset", () => {
    expect(parseConfig({ ...required, TELESIGN_SMS_SENDER_ID: "", TELESIGN_API_URL: undefined })).toMatchObject({
      ok: true,
      config: { telesign: { smsSenderId: undefined, apiUrl: "https://rest-ww.telesign.com" } },
    });
  });

  it("configures passthrough without an API key, optionally pinned to one customer, with a key only to read status", () => {
    expect(parseConfig({ OKTA_AUTH_MODE: "passthrough" })).toMatchObject({
      ok: true,
      config: { telesign: { credential: undefined }, okta: { mode: "passthrough", customerId: undefined } },
    });
    expect(parseConfig({ OKTA_AUTH_MODE: "passthrough", TELESIGN_CUSTOMER_ID: "customer" })).toMatchObject({
      ok: true,
      config: { okta: { mode: "passthrough", customerId: "customer" } },
    });
    expect(
      parseConfig({ OKTA_AUTH_MODE: "passthrough", TELESIGN_CUSTOMER_ID: "customer", TELESIGN_API_KEY: "a2V5" }),
    ).toMatchObject({ ok: true, config: { telesign: { credential: { customerId: "customer", apiKey: "a2V5" } } } });
  });

  it.each([
    [
      {},
      [
        "TELESIGN_CUSTOMER_ID and TELESIGN_API_KEY are required when OKTA_AUTH_MODE is header",
        "OKTA_AUTH_SECRETS is required when OKTA_AUTH_MODE is header",
      ],
    ],
    [{ ...required, TELESIGN_API_URL: "ftp://example.com" }, ["TELESIGN_API_URL must be an http(s) URL"]],
    [{ ...required, TELESIGN_API_URL: "not a url" }, ["TELESIGN_API_URL must be an http(s) URL"]],
    [{ ...required, TELESIGN_AUTH_METHOD: "hmac" }, ["TELESIGN_AUTH_METHOD must be basic or digest"]],
    [{ ...required, TELESIGN_TIMEOUT_MS: "2.5" }, ["TELESIGN_TIMEOUT_MS must be a whole number of milliseconds"]],
    [{ ...required, TELESIGN_TIMEOUT_MS: "50" }, ["TELESIGN_TIMEOUT_MS must be at least 100"]],
    [{ ...required, TELESIGN_TIMEOUT_MS: "60000" }, ["TELESIGN_TIMEOUT_MS must be at most 10000"]],
    [{ ...required, OKTA_AUTH_HEADER: "bad header:" }, ["OKTA_AUTH_HEADER must be an HTTP header name"]],
    [{ ...required, OKTA_AUTH_MODE: "oauth2" }, ["OKTA_AUTH_MODE must be header, passthrough or oauth"]],
    [
      { ...required, OKTA_AUTH_MODE: "passthrough" },
      ["OKTA_AUTH_SECRETS must not be set when OKTA_AUTH_MODE is passthrough"],
    ],
  ])("reports %j as %j", (env, problems) => {
    expect(parseConfig(env)).toEqual({ ok: false, problems });
  });

  it("never repeats a variable's value in a problem", () => {
    const result = parseConfig({ ...required, TELESIGN_AUTH_METHOD: "s3cr3t-value", TELESIGN_API_URL: "s3cr3t-url" });
    expect(JSON.stringify(result)).not.toContain("s3cr3t");
  });
});
