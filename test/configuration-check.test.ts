import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkConfiguration, describeConfiguration } from "../admin/configuration-check.ts";
import { projectRoot } from "../tools/project-root.mjs";

/** `npm run check`: each kind of bad configuration is caught by the functions' own parser, and no value is ever shown. */

const header = {
  TELESIGN_CUSTOMER_ID: "00000000-0000-4000-8000-000000000001",
  TELESIGN_API_KEY: "dGVsZXNpZ24ga2V5IGZvciB0ZXN0cw==",
  OKTA_AUTH_SECRETS: "a-header-secret-of-enough-length",
};

function stateOf(env: Record<string, string>, name: string) {
  return checkConfiguration(env).variables.find((variable) => variable.name === name);
}

describe("npm run check: the toll-fraud guard's variables", () => {
  it("lists each, unset by default, and explains each problem with its fix", () => {
    const env = { ...header, FRAUD_COUNTRIES: "US,!KP", FRAUD_LIMITS: "number:7", SMS_TEXT: "template" };
    const report = checkConfiguration(env);
    expect(report.ok).toBe(false);
    expect(stateOf(header, "FRAUD_MODE")).toEqual({ name: "FRAUD_MODE", state: "unset", problems: [] });
    expect(stateOf(env, "FRAUD_COUNTRIES")).toMatchObject({ state: "invalid", fix: expect.stringMatching(/allowed/) });
    expect(stateOf(env, "FRAUD_LIMITS")).toMatchObject({
      state: "invalid",
      fix: expect.stringMatching(/number:10\/1h/),
    });
    expect(stateOf(env, "SMS_TEMPLATE")).toMatchObject({ state: "missing", fix: expect.stringMatching(/\{code\}/) });
    expect(describeConfiguration(report, "test")).not.toMatch(/number:7\b|!KP/);
  });

  it("suggests the real name for a look-alike", () => {
    const report = checkConfiguration({ ...header, FRAUD_LIMIT: "number:5/1h" });
    expect(report.ok).toBe(true);
    expect(report.problems.map(({ message }) => message)).toEqual([
      "FRAUD_LIMIT: did you mean FRAUD_LIMITS? No function reads FRAUD_LIMIT",
    ]);
  });
});

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
    const report = checkConfiguration({ ...header, OKTA_AUTH_PASSWORD: "x" });
    expect(report.ok).toBe(true);
    expect(report.problems).toEqual([
      {
        functions: [],
        variables: ["OKTA_AUTH_PASSWORD"],
        message: "OKTA_AUTH_PASSWORD is not a variable the functions read: a typo?",
        severity: "warning",
      },
    ]);
  });

  it.each([
    ["TELESIGN_TIMOUT_MS", "TELESIGN_TIMEOUT_MS"],
    ["OKTA_AUTH_SECRET", "OKTA_AUTH_SECRETS"],
    ["okta_auth_mode", "OKTA_AUTH_MODE"],
    ["TELESGN_API_KEY", "TELESIGN_API_KEY"],
    ["OKTA_HOOK_SECRETS", "OKTA_HOOK_SECRET"],
  ])("a look-alike name, ignored by every function, gets the real one suggested: %s", (typo, real) => {
    const report = checkConfiguration({ ...header, [typo]: "2000" });
    expect(report.problems).toEqual([
      {
        functions: [],
        variables: [typo],
        message: `${typo}: did you mean ${real}? No function reads ${typo}`,
        severity: "warning",
      },
    ]);
    expect(describeConfiguration(report, ".env")).toContain(`warning: ${typo}: did you mean ${real}?`);
  });

  it("a mode written Header is accepted, and every other problem shows at once", () => {
    const report = checkConfiguration({ TELESIGN_CUSTOMER_ID: header.TELESIGN_CUSTOMER_ID, OKTA_AUTH_MODE: "Header" });
    expect(report.variables.filter(({ state }) => state !== "set" && state !== "unset")).toEqual([
      expect.objectContaining({ name: "TELESIGN_API_KEY", state: "missing" }),
      expect.objectContaining({ name: "OKTA_AUTH_SECRETS", state: "missing" }),
    ]);
  });

  it.each([
    ["a misspelt mode", "headr", "header", ["OKTA_AUTH_SECRETS"]],
    ["a misspelt mode", "OAuth2", "oauth", ["OKTA_OAUTH_ISSUER", "OKTA_OAUTH_SCOPE"]],
    ["an unknown mode beside OAuth settings", "jwt", "oauth", ["OKTA_OAUTH_SCOPE"]],
  ])("%s (%s) does not hide the rest: it is judged as %s", (_, mode, likeliest, missing) => {
    const env = {
      TELESIGN_CUSTOMER_ID: header.TELESIGN_CUSTOMER_ID,
      TELESIGN_API_KEY: header.TELESIGN_API_KEY,
      OKTA_AUTH_MODE: mode,
      ...(mode === "jwt" && { OKTA_OAUTH_ISSUER: "https://example.okta.com/oauth2/default" }),
    };
    const report = checkConfiguration(env);
    expect(report.variables.filter(({ state }) => state !== "set" && state !== "unset")).toEqual([
      expect.objectContaining({ name: "OKTA_AUTH_MODE", state: "invalid" }),
      ...missing.map((name) => expect.objectContaining({ name, state: "missing" })),
    ]);
    expect(report.problems[0]?.message).toBe(
      `OKTA_AUTH_MODE must be header, passthrough or oauth (the rest is checked as for ${likeliest})`,
    );
  });

  it("passthrough without TELESIGN_API_KEY fails for the status endpoint, saying why, and warns for callbacks", () => {
    const report = checkConfiguration({ OKTA_AUTH_MODE: "passthrough" });
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({ functions: ["telesign-status"], variables: ["TELESIGN_API_KEY"], severity: "error" }),
      expect.objectContaining({ functions: ["telesign-callback"], severity: "warning" }),
      // Nothing can key the toll-fraud counters' digests of numbers: they stay on each instance.
      expect.objectContaining({
        functions: ["telesign (the hook)"],
        variables: ["PHONE_HASH_KEY"],
        severity: "warning",
        message: expect.stringMatching(/each instance alone/),
      }),
    ]);
    expect(stateOf({ OKTA_AUTH_MODE: "passthrough" }, "TELESIGN_API_KEY")).toMatchObject({
      state: "missing",
      problems: [expect.stringContaining("nothing proves that Okta's credential is this account's")],
    });
    const text = describeConfiguration(report, ".env");
    expect(text).toContain('1 problem: until fixed, telesign-status answers "not configured".');
    expect(text).not.toContain("Hook not configured");
  });

  it("warns that rate limits hold per instance only when no secret can key the counters (no PHONE_HASH_KEY, no TELESIGN_API_KEY)", () => {
    const passthrough = { OKTA_AUTH_MODE: "passthrough" };
    const warned = (env: Record<string, string>) =>
      checkConfiguration(env).problems.some(({ variables }) => variables.includes("PHONE_HASH_KEY"));
    expect(warned(passthrough)).toBe(true);
    expect(warned({ ...passthrough, FRAUD_MODE: "off" })).toBe(false);
    expect(warned({ ...passthrough, PHONE_HASH_KEY: "k".repeat(32) })).toBe(false);
    expect(warned(header)).toBe(false);
  });

  it("a problem several functions share names each of them: a bad mode stops the status endpoint too, not the hook alone", () => {
    const report = checkConfiguration({ OKTA_AUTH_MODE: "headr" });
    const mode = report.problems.find(({ variables }) => variables.includes("OKTA_AUTH_MODE"));
    expect(mode?.functions).toEqual(expect.arrayContaining(["telesign (the hook)", "telesign-status"]));
    expect(describeConfiguration(report, ".env")).toMatch(
      /problems?: until fixed, the hook answers Okta "Hook not configured" .*; telesign-status( and [\w-]+)* answers? "not configured"\./,
    );
  });

  it("a problem of the hook points to the README's one account of what Okta then does", async () => {
    const readme = await readFile(path.join(projectRoot, "README.md"), "utf8");
    const text = describeConfiguration(checkConfiguration({}), ".env");
    const heading = /README, "([^"]+)"/.exec(text)?.[1];
    expect(heading).toBeDefined();
    expect(readme).toContain(`\n### ${heading}\n`);
  });

  it("passthrough with read tokens but no TELESIGN_API_KEY warns that Okta's credential does not read status", () => {
    const env = { OKTA_AUTH_MODE: "passthrough", STATUS_API_TOKENS: "a-read-token-of-enough-length" };
    const report = checkConfiguration(env);
    expect(report.ok).toBe(true);
    expect(report.problems).toContainEqual(
      expect.objectContaining({ functions: ["telesign-status"], variables: ["TELESIGN_API_KEY"], severity: "warning" }),
    );
  });

  it("refuses guessable read tokens (STATUS_API_TOKENS=a,1) and names the variable", () => {
    const report = checkConfiguration({ ...header, STATUS_API_TOKENS: "a,1" });
    expect(report.ok).toBe(false);
    expect(stateOf({ ...header, STATUS_API_TOKENS: "a,1" }, "STATUS_API_TOKENS")).toMatchObject({
      state: "invalid",
      problems: ["STATUS_API_TOKENS must hold tokens of at least 16 characters each"],
      fix: expect.stringContaining("16 characters"),
    });
  });

  it.each([
    [
      "OAuth settings while the mode is unset (so header)",
      { OKTA_OAUTH_ISSUER: "https://example.okta.com/oauth2/default", OKTA_OAUTH_SCOPE: "okta.hook" },
      ["OKTA_OAUTH_ISSUER", "OKTA_OAUTH_SCOPE"],
      "OKTA_OAUTH_ISSUER and OKTA_OAUTH_SCOPE are set but unused: OKTA_AUTH_MODE is header (unset means header)",
    ],
    [
      "oauth without a client id (any client holding the scope may call)",
      {
        OKTA_AUTH_MODE: "oauth",
        OKTA_AUTH_SECRETS: undefined,
        OKTA_OAUTH_ISSUER: "https://example.okta.com/oauth2/default",
        OKTA_OAUTH_SCOPE: "okta.hook",
      },
      ["OKTA_OAUTH_CLIENT_ID"],
      "OKTA_OAUTH_CLIENT_ID is unset: any client of the authorization server that holds OKTA_OAUTH_SCOPE may call the hook",
    ],
    [
      "header secrets and header name in oauth mode",
      {
        OKTA_AUTH_MODE: "oauth",
        OKTA_AUTH_HEADER: "x-hook",
        OKTA_OAUTH_ISSUER: "https://example.okta.com/oauth2/default",
        OKTA_OAUTH_SCOPE: "okta.hook",
        OKTA_OAUTH_CLIENT_ID: "0oa1hook",
      },
      ["OKTA_AUTH_HEADER", "OKTA_AUTH_SECRETS"],
      "OKTA_AUTH_HEADER and OKTA_AUTH_SECRETS are set but unused: OKTA_AUTH_MODE is oauth",
    ],
    [
      "OAuth settings in passthrough mode",
      {
        OKTA_AUTH_MODE: "passthrough",
        OKTA_AUTH_SECRETS: undefined,
        OKTA_OAUTH_AUDIENCE: "api://hook",
      },
      ["OKTA_OAUTH_AUDIENCE"],
      "OKTA_OAUTH_AUDIENCE is set but unused: OKTA_AUTH_MODE is passthrough",
    ],
  ])("warns of configuration that silently does less than it looks: %s", (_, more, variables, message) => {
    const env = Object.fromEntries(
      Object.entries({ ...header, ...more }).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    const report = checkConfiguration(env);
    expect(report.ok).toBe(true);
    const warnings = report.problems.filter((problem) => problem.variables.some((name) => variables.includes(name)));
    expect(warnings).toEqual([
      {
        functions: expect.arrayContaining(["telesign (the hook)"]),
        variables,
        message: expect.stringContaining(message),
        severity: "warning",
      },
    ]);
    const line = describeConfiguration(report, ".env")
      .split("\n")
      .find((text) => text.startsWith("warning") && text.includes(message));
    expect(line).toMatch(/^warning \(telesign \(the hook\)(, [\w-]+)*\): /);
  });

  it("never shows a value, valid or not", () => {
    const env = { ...header, OKTA_AUTH_SECRETS: "tooShortSecret", TELESIGN_API_URL: "http://attacker.example/x" };
    const text = describeConfiguration(checkConfiguration(env), ".env");
    for (const value of Object.values(env)) expect(text).not.toContain(value);
    expect(JSON.stringify(checkConfiguration(env))).not.toContain("tooShortSecret");
  });
});
