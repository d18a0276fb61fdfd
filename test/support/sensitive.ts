/**
 * Values that must never appear in a log line: codes, message texts, phone numbers, secrets.
 * Test helpers register what they send; the setup file checks every captured line against them.
 */

const values = new Set<string>();

export function markSensitive(...sensitive: (string | number | undefined)[]): void {
  for (const value of sensitive) if (value !== undefined && String(value) !== "") values.add(String(value));
}

/** Whether a text carries a registered value: short codes only as a whole token, not inside a hex id or a number. */
export function findSensitive(text: string): string[] {
  return [...values].filter((value) =>
    value.length >= 8
      ? text.includes(value)
      : new RegExp(`(?<![0-9A-Za-z])${escapeRegExp(value)}(?![0-9A-Za-z])`).test(text),
  );
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
