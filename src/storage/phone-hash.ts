import { createHmac, hkdfSync } from "node:crypto";

/** A key of the site's hashes: PHONE_HASH_KEY as set, or bytes derived from another secret. */
export type HashKey = string | Buffer;

/**
 * The key under which records find a phone number without keeping it: HMAC-SHA256 of the number's
 * digits (country code first, as Telesign takes them) under PHONE_HASH_KEY, base64url.
 *
 * A phone number has about 10^10 values: a plain hash of one is reversed by trying them all. The
 * key lives only in the site's environment, never in the database, so that the database alone
 * (a leaked backup, a stolen connection string) does not reveal a number. The helpdesk hashes the
 * number it is asked about with the same key and looks the hash up.
 */
export function phoneHash(key: HashKey, digits: string): string {
  return createHmac("sha256", key).update(digits, "utf8").digest("base64url");
}

/**
 * The key of the toll-fraud guard's counters and cached risk scores, which every instance must
 * agree on: PHONE_HASH_KEY; without it, a key derived (HKDF-SHA256) from TELESIGN_API_KEY, a
 * secret the hook has and never stores; without either, none (the guard then counts in each
 * instance's memory: nothing unkeyed is ever stored). Rotating the key, or the API key it derives
 * from, starts the current windows' counters and the risk cache afresh.
 */
export function subjectHashKey(
  phoneHashKey: string | undefined,
  telesignApiKey: string | undefined,
): HashKey | undefined {
  if (phoneHashKey !== undefined) return phoneHashKey;
  if (telesignApiKey === undefined) return undefined;
  return Buffer.from(hkdfSync("sha256", telesignApiKey, "okta-telephony-hook-telesign", "toll-fraud subjects", 32));
}
