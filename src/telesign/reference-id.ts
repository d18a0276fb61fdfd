const referenceIdPattern = /^[0-9A-F]{32}$/i;

/**
 * Telesign's reference id of a message, upper-cased as Telesign writes it; undefined for anything
 * that is not 32 hexadecimal digits. Every reference id from outside (a callback, a status query,
 * a store key) is checked here.
 */
export function referenceIdOf(value: string | null | undefined): string | undefined {
  return typeof value === "string" && referenceIdPattern.test(value) ? value.toUpperCase() : undefined;
}
