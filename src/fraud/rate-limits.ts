import { dayMs, hourMs } from "../support/calendar.ts";

/**
 * `FRAUD_LIMITS`: how many codes may go out per scope and window, e.g.
 * `number:5/1h,range:20/1h,user:10/1h,all:2000/1d`. Windows are fixed: they start at multiples of
 * their length since the Unix epoch (a `1d` window is a UTC day), and a code counts in the window
 * in which the guard let it through.
 */

/**
 * - `number`: one phone number;
 * - `range`: the number without its last four digits (pumping walks a range);
 * - `country`: the destination country (numbers of no known country share one counter);
 * - `user`: one Okta user id (a request without one is not counted here);
 * - `all`: the org's whole traffic, a spend ceiling.
 */
const limitScopes = ["number", "range", "country", "user", "all"] as const;

export type LimitScope = (typeof limitScopes)[number];

export interface RateLimit {
  scope: LimitScope;
  /** Codes let through per window, at least 1. */
  count: number;
  /** As written: `30m`, `1h`, `1d`. */
  window: string;
  windowMs: number;
}

/**
 * What no ordinary org trips and what stops a script: a person rarely needs more than a few
 * codes an hour (Okta itself allows one per number every 30 s, 120 an hour); 10,000 numbers of
 * one range (`+44 7400 12xxxx`) seldom need 100 an hour; an Okta user 20. No country or org
 * ceiling: those depend on the org, and docs/toll-fraud.md says how to choose them.
 */
export const defaultRateLimits = "number:10/1h,range:100/1h,user:20/1h";

const unitMs = { m: 60_000, h: hourMs, d: dayMs } as const;
const maxWindowMs = 31 * unitMs.d;
const maxCount = 10_000_000;

/** The limits a value lists, or the reason it cannot be read (never echoing more than a part of it). */
export function parseRateLimits(value: string): { ok: true; limits: RateLimit[] } | { ok: false; reason: string } {
  const parts = value
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
  if (parts.length === 1 && parts[0]?.toLowerCase() === "none") return { ok: true, limits: [] };
  const limits: RateLimit[] = [];
  for (const [index, part] of parts.entries()) {
    const match = /^([a-z]+):(\d+)\/(\d+)([mhd])$/i.exec(part);
    const at = `entry ${index + 1}`;
    if (match === null) {
      return { ok: false, reason: `must list scope:count/window entries, e.g. number:5/1h (${at} is not one)` };
    }
    const [, scopeName = "", countText = "", length = "", unit = ""] = match;
    const scope = scopeName.toLowerCase() as LimitScope;
    if (!limitScopes.includes(scope)) {
      return { ok: false, reason: `must use the scopes ${limitScopes.join(", ")} (${at} does not)` };
    }
    const count = countText.length > 9 ? Number.POSITIVE_INFINITY : Number(countText);
    const windowMs =
      (length.length > 4 ? Number.POSITIVE_INFINITY : Number(length)) *
      unitMs[unit.toLowerCase() as keyof typeof unitMs];
    if (count < 1 || count > maxCount) return { ok: false, reason: `must allow 1 to ${maxCount} codes (${at})` };
    if (windowMs < unitMs.m || windowMs > maxWindowMs) {
      return { ok: false, reason: `must have windows from 1m to 31d (${at})` };
    }
    const window = `${Number(length)}${unit.toLowerCase()}`;
    if (limits.some((limit) => limit.scope === scope && limit.windowMs === windowMs)) {
      return { ok: false, reason: `must not repeat a scope with the same window (${at})` };
    }
    limits.push({ scope, count, window, windowMs });
  }
  return { ok: true, limits };
}

/**
 * Limits of one scope that contradict each other: a longer window that allows no more codes than a
 * shorter one (`number:10/1h,number:5/1d`) makes the shorter one useless. Each is one sentence.
 */
export function limitWarnings(limits: RateLimit[]): string[] {
  const warnings: string[] = [];
  for (const shorter of limits) {
    for (const longer of limits) {
      if (longer.scope === shorter.scope && longer.windowMs > shorter.windowMs && longer.count <= shorter.count) {
        warnings.push(
          `FRAUD_LIMITS allows ${longer.scope} ${longer.count} codes per ${longer.window} but ${shorter.count} per ${shorter.window}: the ${shorter.window} limit never applies`,
        );
      }
    }
  }
  return warnings;
}

/** What a request is counted by: the subject of each scope. */
export interface CountedRequest {
  /** Digits only, country code first. */
  phoneNumber: string;
  country?: string;
  oktaUserId?: string;
}

/** One counter of one window: at most `limit` codes counted in it. */
export interface CounterKey {
  /** `scope/window:subject`; the subject is the request's, as `digest` made it (never a raw number). */
  key: string;
  scope: LimitScope;
  window: string;
  limit: number;
  /** The window, in ms since the epoch: [start, end). */
  windowStart: number;
  windowEnd: number;
}

/** The digits of a range: the number without its last four. */
const rangeTail = 4;

/**
 * The counters a request counts in, sorted by key: every writer takes them in the same order,
 * so that concurrent writers never wait on each other in a cycle.
 * @param digest turns a subject (a number, a range, a user id) into what the key stores
 */
export function counterKeys(
  limits: RateLimit[],
  request: CountedRequest,
  now: number,
  digest: (subject: string) => string,
): CounterKey[] {
  const keys: CounterKey[] = [];
  for (const limit of limits) {
    const subject = subjectOf(limit.scope, request, digest);
    if (subject === undefined) continue;
    const windowStart = Math.floor(now / limit.windowMs) * limit.windowMs;
    keys.push({
      key: `${limit.scope}/${limit.window}:${subject}`,
      scope: limit.scope,
      window: limit.window,
      limit: limit.count,
      windowStart,
      windowEnd: windowStart + limit.windowMs,
    });
  }
  return keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function subjectOf(
  scope: LimitScope,
  { phoneNumber, country, oktaUserId }: CountedRequest,
  digest: (subject: string) => string,
): string | undefined {
  switch (scope) {
    case "number":
      return digest(`number:${phoneNumber}`);
    case "range":
      return digest(`range:${phoneNumber.slice(0, -rangeTail)}`);
    case "country":
      return country ?? "unknown";
    case "user":
      return oktaUserId === undefined ? undefined : digest(`user:${oktaUserId}`);
    case "all":
      return "all";
  }
}
