import { createHash } from "node:crypto";

/**
 * Store keys built from outside ids. The Blobs client resolves keys as URL paths, so `.` and `..`
 * segments collapse and `/` splits: a raw id could land on another id's key. Every key segment
 * built from an id goes through here, so that distinct ids always mean distinct keys.
 */

/** An id of any length and content as one key segment: its SHA-256, base64url (43 characters). */
export function idSegment(id: string): string {
  return createHash("sha256").update(id, "utf8").digest("base64url");
}

const referenceIdPattern = /^[0-9A-F]{32}$/;

/** Telesign's reference id, upper-cased; undefined for anything that is not 32 hexadecimal digits. */
export function referenceIdOf(value: string | undefined): string | undefined {
  const upper = value?.toUpperCase();
  return upper !== undefined && referenceIdPattern.test(upper) ? upper : undefined;
}

/** A reference id as a key segment: only Telesign's 32 hexadecimal digits are accepted. */
export function referenceSegment(referenceId: string): string {
  const checked = referenceIdOf(referenceId);
  if (checked === undefined) throw new TypeError("not a Telesign reference id");
  return checked;
}
