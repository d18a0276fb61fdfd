import { describe, expect, it, vi } from "vitest";
import { messagesOf, type Parsed, parseCallbackConfig, parseConfig, parseStatusConfig } from "../src/config.ts";
import { capturedLines, logLinesSince } from "./support/log-capture.ts";

const secret = "s3cret-of-sixteen-chars";
const required = { TELESIGN_CUSTOMER_ID: "customer", TELESIGN_API_KEY: "a2V5", OKTA_AUTH_SECRETS: secret };

/** The sentences of a refused configuration's problems; none for one accepted. */
const problemsOf = (parsed: Parsed<unknown>) => (parsed.ok ? [] : messagesOf(parsed.problems));

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
        okta: { mode: "header", headerName: "authorization", secrets: [secret] },
      },
      warnings: [],
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
      OKTA_AUTH_SECRETS: "new-secret-0123456789 , old-secret-0123456789,",
    });
    expect(result).toMatchObject({
      ok: true,
      config: {
        telesign: { apiUrl: "http://127.0.0.1:8787", authMethod: "digest", timeoutMs: 1800, smsSenderId: "Acme" },
        okta: {
          mode: "header",
          headerName: "x-hook-secret",
          secrets: ["new-secret-0123456789", "old-secret-0123456789"],
        },
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
    [{ ...required, TELESIGN_API_KEY: "" }, ["TELESIGN_API_KEY is required when OKTA_AUTH_MODE is header"]],
    [{ ...required, TELESIGN_API_URL: "ftp://example.com" }, ["TELESIGN_API_URL must be an https URL"]],
    [{ ...required, TELESIGN_API_URL: "not a url" }, ["TELESIGN_API_URL must be an https URL"]],
    [{ ...required, TELESIGN_AUTH_METHOD: "hmac" }, ["TELESIGN_AUTH_METHOD must be basic or digest"]],
    [{ ...required, TELESIGN_TIMEOUT_MS: "2.5" }, ["TELESIGN_TIMEOUT_MS must be a whole number of milliseconds"]],
    [{ ...required, TELESIGN_TIMEOUT_MS: "50" }, ["TELESIGN_TIMEOUT_MS must be at least 100"]],
    [
      { ...required, TELESIGN_TIMEOUT_MS: "60000" },
      ["TELESIGN_TIMEOUT_MS must be at most 2500: Okta waits 3000 ms for the whole exchange, network included"],
    ],
    [{ ...required, OKTA_AUTH_HEADER: "bad header:" }, ["OKTA_AUTH_HEADER must be an HTTP header name"]],
    [
      { ...required, OKTA_AUTH_MODE: "oauth2" },
      [
        "OKTA_AUTH_MODE must be header, passthrough or oauth (the rest is checked as for oauth)",
        "OKTA_OAUTH_ISSUER is required when OKTA_AUTH_MODE is oauth",
        "OKTA_OAUTH_SCOPE is required when OKTA_AUTH_MODE is oauth",
      ],
    ],
    [
      { ...required, OKTA_AUTH_MODE: "passthrough" },
      ["OKTA_AUTH_SECRETS must not be set when OKTA_AUTH_MODE is passthrough"],
    ],
  ])("reports %j as %j", (env, problems) => {
    expect(parseConfig(env)).toMatchObject({ ok: false });
    expect(problemsOf(parseConfig(env))).toEqual(problems);
  });

  describe("refuses configuration that puts the hook at risk", () => {
    it.each([
      ["a short secret", { OKTA_AUTH_SECRETS: "short-secret" }],
      ["a short second secret of a rotated pair", { OKTA_AUTH_SECRETS: `${secret},tiny` }],
    ])("a guessable header secret: %s", (_, env) => {
      expect(problemsOf(parseConfig({ ...required, ...env }))).toEqual([
        "OKTA_AUTH_SECRETS must hold secrets of at least 16 characters each",
      ]);
    });

    it.each([
      ["TELESIGN_API_URL", "http://rest-ww.telesign.com"],
      ["OKTA_OAUTH_ISSUER", "http://example.okta.com/oauth2/default"],
      ["OKTA_OAUTH_JWKS_URL", "http://example.okta.com/oauth2/default/v1/keys"],
      ["TELESIGN_API_URL", "http://10.0.0.5:8787"],
    ])("credentials or keys over plain http: %s = %s", (name, url) => {
      const env = {
        ...required,
        OKTA_AUTH_MODE: "oauth",
        OKTA_OAUTH_ISSUER: "https://example.okta.com/oauth2/default",
      };
      expect(problemsOf(parseConfig({ ...env, OKTA_OAUTH_SCOPE: "okta.hook", [name]: url }))).toEqual([
        `${name} must be an https URL (http only to 127.0.0.1, localhost or [::1])`,
      ]);
    });

    it.each(["http://127.0.0.1:8787", "http://localhost:8787", "http://[::1]:8787"])(
      "accepts plain http to the loopback host of a local run: %s",
      (url) => {
        expect(parseConfig({ ...required, TELESIGN_API_URL: url })).toMatchObject({ ok: true });
      },
    );

    it("a Telesign budget that outlasts Okta's 3 seconds", () => {
      expect(parseConfig({ ...required, TELESIGN_TIMEOUT_MS: "2501" })).toMatchObject({ ok: false });
      expect(parseConfig({ ...required, TELESIGN_TIMEOUT_MS: "2500" })).toMatchObject({ ok: true });
    });

    it("a passthrough API key without the customer id it belongs to", () => {
      expect(problemsOf(parseConfig({ OKTA_AUTH_MODE: "passthrough", TELESIGN_API_KEY: "a2V5" }))).toEqual([
        "TELESIGN_CUSTOMER_ID is required with TELESIGN_API_KEY when OKTA_AUTH_MODE is passthrough",
      ]);
    });
  });

  it("reports a bad value and a missing variable at once, not one per deploy", () => {
    const parsed = parseConfig({
      TELESIGN_CUSTOMER_ID: "id",
      TELESIGN_TIMEOUT_MS: "9000",
      OKTA_AUTH_SECRETS: "s".repeat(20),
    });
    expect(problemsOf(parsed)).toEqual([
      expect.stringMatching(/^TELESIGN_TIMEOUT_MS must be at most 2500/),
      "TELESIGN_API_KEY is required when OKTA_AUTH_MODE is header",
    ]);
  });

  it("does not pile a consequence on a bad value: a short secret is one problem, not also a missing one", () => {
    const parsed = parseConfig({ TELESIGN_CUSTOMER_ID: "id", TELESIGN_API_KEY: "a2V5", OKTA_AUTH_SECRETS: "short" });
    expect(problemsOf(parsed)).toEqual(["OKTA_AUTH_SECRETS must hold secrets of at least 16 characters each"]);
  });

  it("names the variables of each problem as data, so that no reader has to parse its sentence", () => {
    expect(
      parseConfig({
        TELESIGN_CUSTOMER_ID: "customer",
        OKTA_AUTH_MODE: "passthrough",
        TELESIGN_TIMEOUT_MS: "9000",
        OKTA_AUTH_SECRETS: secret,
      }),
    ).toEqual({
      ok: false,
      problems: [
        {
          variables: ["TELESIGN_TIMEOUT_MS"],
          message: expect.stringMatching(/^TELESIGN_TIMEOUT_MS must be at most 2500/),
        },
        {
          variables: ["OKTA_AUTH_SECRETS"],
          message: "OKTA_AUTH_SECRETS must not be set when OKTA_AUTH_MODE is passthrough",
        },
      ],
      warnings: [],
    });
  });

  it("never repeats a variable's value in a problem", () => {
    const result = parseConfig({ ...required, TELESIGN_AUTH_METHOD: "s3cr3t-value", TELESIGN_API_URL: "s3cr3t-url" });
    expect(JSON.stringify(result)).not.toContain("s3cr3t");
  });
});

describe("configuration problems are reported when an instance starts", () => {
  it.each([
    ["the hook", "../netlify/functions/telesign.mts", "parseConfig"],
    ["the status endpoint", "../netlify/functions/telesign-status.mts", "parseStatusConfig"],
    ["the callback receiver", "../netlify/functions/telesign-callback.mts", "parseCallbackConfig"],
    ["the retention sweep", "../netlify/functions/transaction-retention.mts", "parseRetentionConfig"],
  ])("%s logs one line naming every problem, before any request", async (_, file, parser) => {
    vi.stubEnv("TELESIGN_CUSTOMER_ID", "");
    vi.stubEnv("TELESIGN_API_KEY", "");
    vi.stubEnv("OKTA_AUTH_SECRETS", "");
    vi.stubEnv("STATUS_API_TOKENS", "");
    vi.stubEnv("TRANSACTION_RETENTION_DAYS", "none");
    vi.resetModules();
    const from = capturedLines.length;
    await import(file);
    // Beside warnings, if any: one line of problems.
    const lines = logLinesSince(from).filter(({ level }) => level === "error");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: "error", message: "configuration problems", config: parser });
    expect(lines[0]?.problems).toEqual(expect.arrayContaining([expect.any(String)]));
  });

  it.each([
    ["the hook", "../netlify/functions/telesign.mts", "parseConfig"],
    ["the status endpoint", "../netlify/functions/telesign-status.mts", "parseStatusConfig"],
  ])("%s logs its warnings once, at start, beside a working configuration", async (_, file, parser) => {
    vi.stubEnv("TELESIGN_CUSTOMER_ID", "customer");
    vi.stubEnv("TELESIGN_API_KEY", "a2V5");
    vi.stubEnv("OKTA_AUTH_SECRETS", secret);
    vi.stubEnv("OKTA_AUTH_MODE", "");
    vi.stubEnv("OKTA_OAUTH_ISSUER", "https://example.okta.com/oauth2/default");
    vi.stubEnv("OKTA_OAUTH_SCOPE", "okta.hook");
    vi.stubEnv("STATUS_API_TOKENS", "");
    vi.resetModules();
    const from = capturedLines.length;
    await import(file);
    expect(logLinesSince(from)).toEqual([
      {
        time: expect.any(String),
        level: "warn",
        message: "configuration warnings",
        config: parser,
        warnings: [expect.stringMatching(/^OKTA_OAUTH_ISSUER and OKTA_OAUTH_SCOPE are set but unused/)],
      },
    ]);
  });

  it("the callback receiver and the status endpoint parse what they need", () => {
    expect(parseCallbackConfig(required)).toMatchObject({ ok: true, config: { retentionDays: 7 } });
    expect(parseStatusConfig(required)).toMatchObject({ ok: true });
  });
});
