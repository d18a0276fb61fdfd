import { createHash, timingSafeEqual } from "node:crypto";

/** A secret's SHA-256: compare digests, and lengths never show. Compute the configured side once. */
export function secretDigest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/** Constant-time equality, whatever the lengths: both sides are hashed to 32 bytes first. */
export function secretsEqual(received: string, expected: string): boolean {
  return timingSafeEqual(secretDigest(received), secretDigest(expected));
}

/** Whether a received value matches any of the expected digests; every one is compared. */
export function matchesAny(received: string, expectedDigests: Buffer[]): boolean {
  const digest = secretDigest(received);
  let matched = false;
  for (const expected of expectedDigests) matched = timingSafeEqual(digest, expected) || matched;
  return matched;
}
