import { createHash } from "node:crypto";
import { referenceIdOf } from "../telesign/reference-id.ts";

/**
 * Store keys built from outside ids. The Blobs client resolves keys as URL paths, so `.` and `..`
 * segments collapse and `/` splits: a raw id could land on another id's key. Every key segment
 * built from an id goes through here, so that distinct ids always mean distinct keys.
 */

/** An id of any length and content as one key segment: its SHA-256, base64url (43 characters). */
export function idSegment(id: string): string {
  return createHash("sha256").update(id, "utf8").digest("base64url");
}

/** A reference id as a key segment: only Telesign's 32 hexadecimal digits are accepted. */
export function referenceSegment(referenceId: string): string {
  const checked = referenceIdOf(referenceId);
  if (checked === undefined) throw new TypeError("not a Telesign reference id");
  return checked;
}
