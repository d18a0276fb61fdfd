import { createHmac } from "node:crypto";

/**
 * The key under which records find a phone number without keeping it: HMAC-SHA256 of the number's
 * digits (country code first, as Telesign takes them) under PHONE_HASH_KEY, base64url.
 *
 * A phone number has about 10^10 values: a plain hash of one is reversed by trying them all. The
 * key lives only in the site's environment, never in the database, so that the database alone
 * (a leaked backup, a stolen connection string) does not reveal a number. The helpdesk hashes the
 * number it is asked about with the same key and looks the hash up.
 */
export function phoneHash(key: string, digits: string): string {
  return createHmac("sha256", key).update(digits, "utf8").digest("base64url");
}
