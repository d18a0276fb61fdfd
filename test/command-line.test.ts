import { describe, expect, it } from "vitest";
import { parseOptions, UsageError } from "../tools/command-line.ts";

/** Usage errors from the command line's parser: one line that never repeats an argument's value. */

const options = { auth: { type: "string" }, url: { type: "string" }, json: { type: "boolean" } } as const;
const credential = "dGVzdDpTRUNSRVRLRVk=";

describe("a usage error never echoes an argument (an unquoted secret lands there)", () => {
  it.each([
    [
      "an unquoted `--auth Basic <credential>`",
      ["--auth", "Basic", credential],
      /^an unexpected argument \(not shown\)/,
    ],
    ["a credential given alone", [credential], /^an unexpected argument \(not shown\)/],
    ["an unknown option carrying a value", [`--token=${credential}`], /^Unknown option '--token'$/],
    ["an unknown option that is itself a secret", [`--${credential}`], /^an unknown option \(not shown\)$/],
    ["a flag given a value", [`--json=${credential}`], /^--json takes no value$/],
    ["a value that starts with a dash", ["--auth", `-${credential}`], /^--auth's value starts with a dash/],
    ["a missing value", ["--url"], /^--url takes a value$/],
  ])("%s", (_, args, message) => {
    const parsed = parseOptions(options, (values) => values, args);
    expect(parsed.kind).toBe("usage");
    const text = parsed.kind === "usage" ? parsed.message : "";
    expect(text).toMatch(message);
    expect(text).not.toContain(credential.slice(0, 8));
  });
});

it("a command's own check still says what the option takes", () => {
  const parsed = parseOptions(options, () => {
    throw new UsageError('--url takes an http(s) URL, not "x"');
  }, ["--url", "x"]);
  expect(parsed).toEqual({ kind: "usage", message: '--url takes an http(s) URL, not "x"' });
});
