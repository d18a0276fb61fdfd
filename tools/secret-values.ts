import { format } from "node:util";

/**
 * Secrets the commands read (API tokens, hook secrets, client secrets, private keys): checked
 * before use, and kept out of everything the commands print. A value with a stray character
 * would otherwise come back in an error ("… is not a legal HTTP header value"), in a terminal, a
 * CI log or a `--json` file.
 */

/** A secret that cannot be used as it is: the message names where it came from, never the value. */
export class SecretValueError extends Error {
  override name = "SecretValueError";
}

/**
 * What an HTTP header value may hold (RFC 9110): printable ASCII words separated by single spaces,
 * so that `Basic dGVzdDpTRUNSRVRLRVk=` (passthrough, Okta's own example) is a secret like any other.
 * What would break a header or hide in a terminal is refused: a line break, a control character,
 * a tab, a run of spaces, a character beyond ASCII.
 */
const headerValue = /^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/;

/**
 * What is wrong with a secret, as one sentence naming `name` and never the value; undefined when
 * it is fine. Surrounding whitespace (a newline pasted with it) is allowed: it is trimmed.
 */
export function secretProblem(name: string, value: string): string | undefined {
  const trimmed = value.trim();
  if (trimmed === "" || headerValue.test(trimmed)) return undefined;
  const what = /[\r\n]/.test(trimmed)
    ? "a line break"
    : /[^\t\x20-\x7e]/.test(trimmed)
      ? "a character that is not printable ASCII (a smart quote, an accent, a control character)"
      : "a tab or a run of spaces";
  return `${name} holds ${what}: secrets are printable ASCII, words separated by single spaces; copy it again (its value is not shown).`;
}

/** A secret variable: trimmed, undefined when unset or empty, a SecretValueError when it cannot be used. */
export function secretOf(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name];
  if (value === undefined) return undefined;
  const problem = secretProblem(name, value);
  if (problem !== undefined) throw new SecretValueError(problem);
  return value.trim() || undefined;
}

/** A comma-separated list of secrets (OKTA_AUTH_SECRETS, STATUS_API_TOKENS), each checked. */
export function secretsOf(env: Record<string, string | undefined>, name: string): string[] {
  const value = env[name];
  if (value === undefined) return [];
  return value
    .split(",")
    .map((part) => {
      const problem = secretProblem(name, part);
      if (problem !== undefined) throw new SecretValueError(problem);
      return part.trim();
    })
    .filter(Boolean);
}

const redacted = "[secret]";
/** Shorter pieces are not looked for: they would match ordinary words. */
const shortest = 6;

/**
 * A function that replaces every given secret in a text: the value as it is, trimmed, as JSON
 * escapes it and as a URL encodes it, and each line of a multi-line one (a PEM key).
 */
export function scrubberOf(secrets: (string | undefined)[]): (text: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === undefined) continue;
    // A scheme's credential (`Basic <base64>`) may be printed apart from its scheme: it is scrubbed alone too.
    const credential = /^\S+ (\S.*)$/.exec(secret.trim())?.[1];
    const values = [secret, secret.trim(), ...(credential === undefined ? [] : [credential])];
    for (const form of values.flatMap((value) => [
      value,
      JSON.stringify(value).slice(1, -1),
      encodeURIComponent(value),
    ])) {
      forms.add(form);
      for (const line of form.split(/\r?\n|\\n/)) forms.add(line.trim());
    }
  }
  const ordered = [...forms].filter((form) => form.length >= shortest).sort((a, b) => b.length - a.length);
  return (text) => ordered.reduce((scrubbed, form) => scrubbed.split(form).join(redacted), text);
}

/** Every line this process prints through `console` is scrubbed of these secrets from now on. */
export function scrubConsole(secrets: (string | undefined)[]): void {
  const scrub = scrubberOf(secrets);
  for (const method of ["log", "error", "warn", "info"] as const) {
    const print = console[method].bind(console);
    console[method] = (...args: unknown[]) => print(scrub(format(...args)));
  }
}
