import { describe, expect, it } from "vitest";
import { checkConfiguration, describeConfiguration } from "../admin/configuration-check.ts";

/** `npm run check`: each kind of bad configuration is caught by the functions' own parser, and no value is ever shown. */

const header = {
  TELESIGN_CUSTOMER_ID: "00000000-0000-4000-8000-000000000001",
  TELESIGN_API_KEY: "dGVsZXNpZ24ga2V5IGZvciB0ZXN0cw==",
  OKTA_AUTH_SECRETS: "a-header-secret-of-enough-length",
};

function stateOf(env: Record<string, string>, name: string) {
  return checkConfiguration(env).variables.find((variable) => variable.name === name);
}

describe("npm run check", () => {
  it("passes the usual header configuration", () => {
    const report = checkConfiguration(header);
    expect(report.ok).toBe(true);
    expect(report.problems).toEqual([]);
    expect(stateOf(header, "TELESIGN_API_KEY")?.state).toBe("set");
    expect(stateOf(header, "TELESIGN_API_URL")?.state).toBe("unset");
  });

  it.each([
    ["a missing Telesign key", { ...header, TELESIGN_API_KEY: "" }, "TELESIGN_API_KEY", "missing"],
    ["a missing header secret", { ...header, OKTA_AUTH_SECRETS: " " }, "OKTA_AUTH_SECRETS", "missing"],
    ["a short secret", { ...header, OKTA_AUTH_SECRETS: "short" }, "OKTA_AUTH_SECRETS", "invalid"],
    [
      "an http Telesign URL",
      { ...header, TELESIGN_API_URL: "http://rest-ww.telesign.com" },
      "TELESIGN_API_URL",
      "invalid",
    ],
    ["a budget over Okta's limit", { ...header, TELESIGN_TIMEOUT_MS: "3000" }, "TELESIGN_TIMEOUT_MS", "invalid"],
    ["a budget that is not a number", { ...header, TELESIGN_TIMEOUT_MS: "2s" }, "TELESIGN_TIMEOUT_MS", "invalid"],
    ["an unknown auth method", { ...header, TELESIGN_AUTH_METHOD: "hmac" }, "TELESIGN_AUTH_METHOD", "invalid"],
    ["an unknown mode", { ...header, OKTA_AUTH_MODE: "basic" }, "OKTA_AUTH_MODE", "invalid"],
    ["a header name with a space", { ...header, OKTA_AUTH_HEADER: "x hook" }, "OKTA_AUTH_HEADER", "invalid"],
    [
      "oauth without an issuer",
      { ...header, OKTA_AUTH_MODE: "oauth", OKTA_OAUTH_SCOPE: "hook" },
      "OKTA_OAUTH_ISSUER",
      "missing",
    ],
    [
      "oauth with an HMAC algorithm",
      {
        ...header,
        OKTA_AUTH_MODE: "oauth",
        OKTA_OAUTH_ISSUER: "https://example.okta.com/oauth2/default",
        OKTA_OAUTH_SCOPE: "hook",
        OKTA_OAUTH_ALGORITHMS: "HS256",
      },
      "OKTA_OAUTH_ALGORITHMS",
      "invalid",
    ],
    [
      "header secrets in passthrough mode",
      { ...header, OKTA_AUTH_MODE: "passthrough" },
      "OKTA_AUTH_SECRETS",
      "invalid",
    ],
    [
      "a retention of zero days",
      { ...header, TRANSACTION_RETENTION_DAYS: "0" },
      "TRANSACTION_RETENTION_DAYS",
      "invalid",
    ],
  ] as const)("catches %s, says how to fix it, and fails", (_, env, name, state) => {
    const report = checkConfiguration(env);
    expect(report.ok).toBe(false);
    const variable = report.variables.find((candidate) => candidate.name === name);
    expect(variable?.state).toBe(state);
    expect(variable?.problems.length).toBeGreaterThan(0);
    expect(variable?.fix).toBeTruthy();
  });

  it("reports every problem at once, not only the first", () => {
    const report = checkConfiguration({
      TELESIGN_CUSTOMER_ID: header.TELESIGN_CUSTOMER_ID,
      OKTA_AUTH_SECRETS: "short",
    });
    expect(report.variables.filter((variable) => variable.state !== "set" && variable.state !== "unset")).toEqual([
      expect.objectContaining({ name: "TELESIGN_API_KEY", state: "missing" }),
      expect.objectContaining({ name: "OKTA_AUTH_SECRETS", state: "invalid" }),
    ]);
  });

  it("warns of a name that looks like a variable but is none (a typo), without failing", () => {
    const report = checkConfiguration({ ...header, OKTA_AUTH_SECRET: "x" });
    expect(report.ok).toBe(true);
    expect(report.problems).toEqual([
      { problem: "OKTA_AUTH_SECRET is not a variable the functions read: a typo?", severity: "warning" },
    ]);
  });

  it("warns that callbacks cannot be verified in passthrough mode without a key, without failing", () => {
    const report = checkConfiguration({ OKTA_AUTH_MODE: "passthrough" });
    expect(report.ok).toBe(true);
    expect(report.problems).toEqual([expect.objectContaining({ function: "telesign-callback", severity: "warning" })]);
  });

  it("never shows a value, valid or not", () => {
    const env = { ...header, OKTA_AUTH_SECRETS: "tooShortSecret", TELESIGN_API_URL: "http://attacker.example/x" };
    const text = describeConfiguration(checkConfiguration(env), ".env");
    for (const value of Object.values(env)) expect(text).not.toContain(value);
    expect(JSON.stringify(checkConfiguration(env))).not.toContain("tooShortSecret");
  });
});
