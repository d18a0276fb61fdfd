import { memoryRateCounters, type RateCounters, type TakeResult } from "../fraud/rate-counters.ts";
import type { CounterKey } from "../fraud/rate-limits.ts";
import { type RiskCache, riskAnswerLifeMs } from "../fraud/risk-check.ts";
import type { RiskScore } from "../telesign/risk-score.ts";
import { type Database, isoText } from "./database.ts";
import { type HashKey, phoneHash } from "./phone-hash.ts";
import { type BoundedRun, deleteInBatches } from "./retention.ts";

/**
 * The toll-fraud guard's counters and risk scores in Netlify Database (tables of migration
 * 0002_toll_fraud), every instance sharing them.
 *
 * Counting is one statement for all of a code's counters: an insert of each counter at 1, or an
 * increment of the existing row only while it is under its limit (`ON CONFLICT … DO UPDATE …
 * WHERE`). Postgres takes each row's lock and re-reads the row before deciding, so concurrent
 * statements on any instance never count past a limit; the rows come in key order, so that two
 * statements never wait on each other in a cycle. The rows returned are the counters the code was
 * counted in, with their count now, and those found full before counting; a counter in neither was
 * full (or not counted because another was).
 */

/**
 * How counters and cached scores name a subject (a number, a range, a user id): its HMAC-SHA256
 * under `key` (subjectHashKey()), never a plain hash, which a table reader reverses by trying
 * every number.
 */
export function subjectDigest(key: HashKey): (subject: string) => string {
  return (subject) => phoneHash(key, subject);
}

/**
 * A counter already full in the statement's snapshot refuses the code without counting it anywhere:
 * that read takes no lock, so a code for a full counter (the hot row of a pumped range or user)
 * never waits behind the others' locks on it, and nothing is to be given back. Otherwise each counter
 * is counted as above; a counter that filled after the snapshot is found full under its lock.
 */
const take = `
WITH wanted AS (
  SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::int[]) AS t(key, window_start, window_end, hit_limit)
), already_full AS (
  SELECT w.key, w.window_start FROM wanted w
  JOIN fraud_counters f ON f.counter_key = w.key AND f.window_start = w.window_start
  WHERE f.hits >= w.hit_limit
), counted AS (
  INSERT INTO fraud_counters AS c (counter_key, window_start, window_end, hit_limit, hits)
  SELECT key, window_start, window_end, hit_limit, 1 FROM wanted
  WHERE NOT EXISTS (SELECT 1 FROM already_full)
  ORDER BY key
  ON CONFLICT (counter_key, window_start) DO UPDATE SET hits = c.hits + 1, hit_limit = excluded.hit_limit
    WHERE c.hits < excluded.hit_limit
  RETURNING c.counter_key AS key, c.window_start, c.hits
)
SELECT key, ${isoText("window_start")} AS "windowStart", hits FROM counted
UNION ALL
SELECT key, ${isoText("window_start")} AS "windowStart", NULL FROM already_full`;

/** Locks the rows in key order first, as `take` does, then uncounts one code in each. */
const giveBack = `
WITH given AS (
  SELECT counter_key, window_start FROM fraud_counters
  WHERE (counter_key, window_start) IN (SELECT * FROM unnest($1::text[], $2::timestamptz[]))
  ORDER BY counter_key
  FOR UPDATE
)
UPDATE fraud_counters c SET hits = c.hits - 1
FROM given g
WHERE c.counter_key = g.counter_key AND c.window_start = g.window_start AND c.hits > 0`;

const readScore = `
SELECT recommendation, score, risk_level AS level FROM risk_scores
WHERE phone_key = $1 AND expires_at > now()`;

const writeScore = `
INSERT INTO risk_scores (phone_key, recommendation, score, risk_level, scored_at, expires_at)
VALUES ($1, $2, $3::int, $4, $5::timestamptz, $6::timestamptz)
ON CONFLICT (phone_key) DO UPDATE SET recommendation = excluded.recommendation, score = excluded.score,
  risk_level = excluded.risk_level, scored_at = excluded.scored_at, expires_at = excluded.expires_at`;

/** Work after the answer gets this long per statement. */
const afterAnswerTimeoutMs = 2_000;

const isoTime = (ms: number) => new Date(ms).toISOString();
const identity = ({ key, windowStart }: { key: string; windowStart: number | string }) =>
  `${key}@${typeof windowStart === "number" ? isoTime(windowStart) : windowStart}`;

export function databaseRateCounters(database: () => Database): RateCounters {
  return {
    // The guard stops waiting at its deadline; the statement keeps its own, longer bound, so that a
    // take that lands late still says what it counted, and the guard gives back a code not sent.
    async take(keys) {
      if (keys.length === 0) return { taken: [], full: [] };
      const rows = await database().query<{ key: string; windowStart: string; hits: number | null }>(
        take,
        [
          keys.map(({ key }) => key),
          keys.map(({ windowStart }) => isoTime(windowStart)),
          keys.map(({ windowEnd }) => isoTime(windowEnd)),
          keys.map(({ limit }) => limit),
        ],
        { timeoutMs: afterAnswerTimeoutMs },
      );
      const answered = new Map(rows.map((row) => [identity(row), row.hits]));
      // Counted nowhere because a counter was already full: the others are neither taken nor full.
      const refusedEarly = rows.some(({ hits }) => hits === null);
      const result: TakeResult = { taken: [], full: [] };
      for (const key of keys) {
        const hits = answered.get(identity(key));
        if (typeof hits === "number") result.taken.push({ ...key, hits });
        else if (hits === null || !refusedEarly) result.full.push(key);
      }
      return result;
    },
    async giveBack(keys) {
      if (keys.length === 0) return;
      await database().query(
        giveBack,
        [keys.map(({ key }) => key), keys.map(({ windowStart }) => isoTime(windowStart))],
        { timeoutMs: afterAnswerTimeoutMs },
      );
    },
  };
}

/**
 * Counters for a site with no key to hash subjects under (subjectHashKey()): those of a number, a
 * range or a user count in this instance's memory (exact per instance only); the country's and
 * the total stay in `shared`, whose keys name no one.
 */
export function countersWithoutSubjectKey(
  shared: RateCounters,
  local: RateCounters = memoryRateCounters(),
): RateCounters {
  const isLocal = ({ scope }: CounterKey) => scope === "number" || scope === "range" || scope === "user";
  return {
    async take(keys, deadline) {
      const [mine, theirs] = await Promise.all([
        local.take(keys.filter(isLocal), deadline),
        shared.take(
          keys.filter((key) => !isLocal(key)),
          deadline,
        ),
      ]);
      return { taken: [...mine.taken, ...theirs.taken], full: [...mine.full, ...theirs.full] };
    },
    async giveBack(keys) {
      await Promise.all([local.giveBack(keys.filter(isLocal)), shared.giveBack(keys.filter((key) => !isLocal(key)))]);
    },
  };
}

export function databaseRiskCache(database: () => Database, now: () => Date = () => new Date()): RiskCache {
  return {
    async get(subject, deadline) {
      const [row] = await database().query<{
        recommendation: RiskScore["recommendation"];
        score: number | null;
        level: string | null;
      }>(readScore, [subject], { timeoutMs: Math.max(1, deadline - performance.now()) });
      if (row === undefined) return undefined;
      return {
        recommendation: row.recommendation,
        ...(row.score !== null && { score: row.score }),
        ...(row.level !== null && { level: row.level }),
      };
    },
    async set(subject, { recommendation, score, level }) {
      const scoredAt = now().getTime();
      await database().query(
        writeScore,
        [
          subject,
          recommendation,
          score ?? null,
          level ?? null,
          isoTime(scoredAt),
          isoTime(scoredAt + riskAnswerLifeMs),
        ],
        { timeoutMs: afterAnswerTimeoutMs },
      );
    },
  };
}

/**
 * Counters are kept this long past their window's end: every instance keys a window by its own
 * clock, and one whose clock lags must not find its current counter deleted and start it again.
 */
const counterRetentionMarginMs = 5 * 60_000;

/** Counters whose window ended over 5 minutes ago and risk scores past their day, deleted by the retention sweep. */
export interface FraudRetention {
  deleteExpired(now: Date, deadline: number): Promise<BoundedRun>;
}

export function databaseFraudRetention(database: () => Database): FraudRetention {
  return {
    async deleteExpired(now, deadline) {
      const db = database();
      const runs = await Promise.all([
        deleteInBatches(db, {
          table: "fraud_counters",
          column: "window_end",
          before: new Date(now.getTime() - counterRetentionMarginMs),
          deadline,
        }),
        deleteInBatches(db, { table: "risk_scores", column: "expires_at", before: now, deadline }),
      ]);
      return { done: runs[0].done + runs[1].done, complete: runs.every(({ complete }) => complete) };
    },
  };
}
