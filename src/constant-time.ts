import { createHash, timingSafeEqual } from "node:crypto";

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Constant-time equality, whatever the lengths: both sides are hashed to 32 bytes first. */
export function secretsEqual(received: string, expected: string): boolean {
  return timingSafeEqual(digest(received), digest(expected));
}
