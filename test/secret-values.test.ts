import { describe, expect, it } from "vitest";
import { scrubberOf, secretProblem, secretsOf } from "../tools/secret-values.ts";

/** What the commands accept as a secret: what an HTTP header value may hold, and nothing that breaks one. */

describe("a secret is what an HTTP header value may hold", () => {
  it.each([
    ["a passthrough credential (Okta's `Basic …` example)", "Basic dGVzdDpTRUNSRVRLRVk="],
    ["a header secret", "current-hook-secret-4d1c9b7e"],
    ["a scheme and a token", "Bearer 00abc.def-ghi_jkl"],
    ["a pasted line break around it", "Basic dGVzdDpTRUNSRVRLRVk=\n"],
  ])("accepts %s", (_, value) => {
    expect(secretProblem("OKTA_HOOK_SECRET", value)).toBeUndefined();
  });

  it("reads `Basic …` secrets from a comma-separated list", () => {
    expect(
      secretsOf({ OKTA_AUTH_SECRETS: "Basic dGVzdDpTRUNSRVRLRVk=, Basic b3RoZXI6S0VZMDAwMDA=" }, "OKTA_AUTH_SECRETS"),
    ).toEqual(["Basic dGVzdDpTRUNSRVRLRVk=", "Basic b3RoZXI6S0VZMDAwMDA="]);
  });

  it.each([
    ["header injection through a line break", "Basic abc\r\nX-Evil: 1", "a line break"],
    ["a newline inside", "Basic abc\ndef", "a line break"],
    ["a control character", "Basic abc\u0007def", "a character that is not printable ASCII"],
    ["a non-ASCII look-alike", "Basic abcdéf", "a character that is not printable ASCII"],
    ["a tab", "Basic\tabcdef", "a tab or a run of spaces"],
    ["a run of spaces", "Basic  abcdef", "a tab or a run of spaces"],
  ])("refuses %s, naming the variable and never the value", (_, value, what) => {
    const problem = secretProblem("OKTA_HOOK_SECRET", value);
    expect(problem).toContain(`OKTA_HOOK_SECRET holds ${what}`);
    expect(problem).not.toContain("abc");
  });

  it("scrubs a `Basic …` secret whole and its credential printed apart", () => {
    const scrub = scrubberOf(["Basic dGVzdDpTRUNSRVRLRVk="]);
    expect(scrub("sent Basic dGVzdDpTRUNSRVRLRVk= and dGVzdDpTRUNSRVRLRVk=")).toBe("sent [secret] and [secret]");
  });
});
