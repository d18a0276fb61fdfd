/**
 * Values that must never appear in a log line: codes, message texts, phone numbers, secrets.
 * Test helpers register what they send; the setup file checks every captured line against them.
 *
 * The check must fail only for a real leak, at any time of day: a registered value is at least
 * five characters long (a timestamp's or a duration's numeric runs are at most four digits: `2026`,
 * `11`, `123Z`), and it matches only as a whole token, never inside a longer run of letters and
 * digits (a hex id, a number).
 */

export const minSensitiveLength = 5;

const values = new Set<string>();

/** Forgets every registered value: test/setup.ts, as each test file starts. */
export function forgetSensitive(): void {
  values.clear();
}

export function markSensitive(...sensitive: (string | number | undefined)[]): void {
  for (const value of sensitive) {
    if (value === undefined || String(value) === "") continue;
    if (String(value).length < minSensitiveLength) {
      throw new Error(`a sensitive test value needs ${minSensitiveLength}+ characters to be told from a timestamp`);
    }
    values.add(String(value));
  }
}

/** The registered values a text carries, each as a whole token. */
export function findSensitive(text: string): string[] {
  return [...values].filter((value) => containsToken(text, value));
}

const tokenCharacter = /[0-9A-Za-z]/;

/** Whether `value` occurs in `text` with no letter or digit right before or after it. */
function containsToken(text: string, value: string): boolean {
  for (let at = text.indexOf(value); at !== -1; at = text.indexOf(value, at + 1)) {
    const before = text[at - 1] ?? "";
    const after = text[at + value.length] ?? "";
    if (!tokenCharacter.test(before) && !tokenCharacter.test(after)) return true;
  }
  return false;
}
