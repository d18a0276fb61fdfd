import { oktaLimitMs } from "../okta/time-limit.ts";
import { hourMs } from "../support/calendar.ts";
import { type DeliveryState, deliveryStateOf } from "../telesign/status-codes.ts";
import type { DeliveryRate, HealthFigures, HourlyOutcomes, Percentiles } from "./console-records.ts";

/**
 * A period's health figures are the sum of tallies: a tally counts the codes of some hours by
 * hour, channel, country, verdict and rule, Telesign's errors by code, and the times in histogram
 * buckets. One SQL definition tallies the requests of a range (read live, or written once per
 * closed hour by the rollup, health-rollup.ts); one sums tallies, whichever they come from; one
 * function turns the sums into the page's figures. Counts are exact; percentiles are read from
 * the buckets (see `bucketBounds`).
 */

/** Telesign's codes of each delivery state, for SQL: the meaning stays in status-codes.ts. */
const telesignCodes = Array.from({ length: 1_000 }, (_, index) => 3_000 + index);
const codesOf = (state: DeliveryState) => telesignCodes.filter((code) => deliveryStateOf(code) === state);
/** The tally's $3 and $4: Telesign's delivered and failed codes. */
export const deliveryCodes = [codesOf("delivered"), codesOf("failed")] as const;

/** A code's delivery reports count when recorded up to a day after its hour (they may come late). */
const reportWindow = "interval '1 day'";

/** The hook's answer time is counted in buckets this wide, from 0: `oktaLimitMs` is a bucket's start. */
const hookBucketMs = 10;
/** Time to delivered is counted in buckets whose bounds grow by this ratio (1 ms up to a day: about 580 buckets). */
const deliveredBucketRatio = 1.02;

/** A time's bucket, in SQL (the bucket bounds are `bucketBounds`'s). */
const hookBucket = (ms: string) => `floor(${ms} / ${hookBucketMs}.0)::int`;
const deliveredBucket = (ms: string) =>
  `CASE WHEN ${ms} < 1 THEN 0 ELSE 1 + floor(ln(${ms}) / ln(${deliveredBucketRatio}))::int END`;

export type Timing = "hook" | "delivered";

/** The times a bucket holds, in ms: from `low` (included) to `high` (excluded). */
function bucketBounds(timing: Timing, bucket: number): { low: number; high: number } {
  if (timing === "hook") return { low: bucket * hookBucketMs, high: (bucket + 1) * hookBucketMs };
  if (bucket <= 0) return { low: 0, high: 1 };
  return { low: deliveredBucketRatio ** (bucket - 1), high: deliveredBucketRatio ** bucket };
}

/** Repeats of an eventId are not codes of their own: Okta got the first request's answer. */
export const codesOnly = "r.outcome <> 'duplicate'";

/**
 * The tally of the requests received from $1 to $2 (each read once, by the time index), as three
 * CTEs: `outcomes` (hour, channel, country, verdict, rule, count), `errors` (hour, code,
 * description, count) and `timings` (hour, timing, bucket, count). A code's verdict counts the
 * delivery reports recorded from $1 to a day after $2; its hour is the one the hook received it in.
 * Time to delivered is on the hook's own clock, from Okta's request arriving to Telesign's
 * delivered report arriving: no clock skew between the two. Telesign's errors are the sends it
 * refused (in the request's hour) and the failed reports recorded from $1 to $2 (in their hour).
 * $3, $4: Telesign's delivered and failed codes (`deliveryCodes`).
 */
export const rangeTally = `
  statuses AS (
    SELECT s.reference_id,
      bool_or(s.code = ANY($3::int[])) AS delivered,
      bool_or(s.code = ANY($4::int[])) AS failed,
      min(s.recorded_at) FILTER (WHERE s.code = ANY($3::int[])) AS delivered_at
    FROM delivery_statuses s
    WHERE s.recorded_at >= $1::timestamptz AND s.recorded_at < $2::timestamptz + ${reportWindow}
      AND s.source <> 'send'
      AND s.reference_id IN (
        SELECT r.reference_id FROM okta_requests r WHERE r.received_at >= $1::timestamptz AND r.received_at < $2::timestamptz)
    GROUP BY s.reference_id
  ), requests AS MATERIALIZED (
    SELECT date_trunc('hour', r.received_at, 'UTC') AS hour, r.outcome, r.telesign_code, r.reference_id, r.duration_ms,
      CASE WHEN st.delivered_at IS NOT NULL
        THEN greatest(0, extract(epoch FROM st.delivered_at - r.received_at) * 1000) END AS delivered_ms,
      coalesce(r.channel, 'unknown') AS channel,
      coalesce(r.destination_country, '+' || r.country_code, 'unknown') AS country,
      CASE WHEN r.outcome = 'blocked' THEN coalesce(split_part(r.fraud_rules, ',', 1), 'unknown') END AS rule,
      CASE WHEN r.outcome = 'blocked' THEN 'blocked'
           WHEN r.outcome <> 'accepted' THEN 'fallback'
           WHEN st.delivered THEN 'delivered'
           WHEN st.failed THEN 'failed'
           ELSE 'pending' END AS verdict
    FROM okta_requests r LEFT JOIN statuses st ON st.reference_id = r.reference_id
    WHERE r.received_at >= $1::timestamptz AND r.received_at < $2::timestamptz AND ${codesOnly}
  ), outcomes AS (
    SELECT hour, channel, country, verdict, rule, count(*)::int AS count
    FROM requests GROUP BY hour, channel, country, verdict, rule
  ), errors AS (
    SELECT hour, code, max(description) AS description, count(*)::int AS count FROM (
      SELECT r.hour, r.telesign_code AS code, s.description FROM requests r
        LEFT JOIN delivery_statuses s ON s.reference_id = r.reference_id AND s.source = 'send'
      WHERE r.outcome = 'rejected' AND r.telesign_code IS NOT NULL
      UNION ALL
      SELECT date_trunc('hour', s.recorded_at, 'UTC'), s.code, s.description FROM delivery_statuses s
      WHERE s.recorded_at >= $1::timestamptz AND s.recorded_at < $2::timestamptz AND s.code = ANY($4::int[])
    ) e
    GROUP BY hour, code
  ), timings AS (
    SELECT hour, 'hook' AS timing, ${hookBucket("duration_ms")} AS bucket, count(*)::int AS count
    FROM requests WHERE duration_ms IS NOT NULL GROUP BY 1, 3
    UNION ALL
    SELECT hour, 'delivered', ${deliveredBucket("delivered_ms")}, count(*)::int
    FROM requests WHERE delivered_ms IS NOT NULL GROUP BY 1, 3
  )`;

/**
 * Sums the CTEs `outcomes`, `errors` and `timings` (a range's tally, or rolled-up hours) over their
 * hours into one row: the counts by hour, channel and country (each by verdict), blocked codes by
 * rule, errors by code, and each timing's histogram.
 */
export const tallySum = `
  SELECT
    (SELECT coalesce(json_agg(b), '[]'::json) FROM (
      SELECT CASE WHEN grouping(hour) = 0 THEN 'hour' WHEN grouping(channel) = 0 THEN 'channel' ELSE 'country' END
          AS dimension,
        coalesce(to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24":00:00.000Z"'), channel, country) AS key,
        verdict, sum(count)::int AS count
      FROM outcomes GROUP BY GROUPING SETS ((hour, verdict), (channel, verdict), (country, verdict))) b) AS breakdown,
    (SELECT coalesce(json_agg(x), '[]'::json) FROM (
      SELECT rule, sum(count)::int AS count FROM outcomes WHERE verdict = 'blocked' GROUP BY rule) x) AS blocked,
    (SELECT coalesce(json_agg(e), '[]'::json) FROM (
      SELECT code, max(description) AS description, sum(count)::int AS count FROM errors GROUP BY code) e) AS errors,
    (SELECT coalesce(json_agg(t), '[]'::json) FROM (
      SELECT timing, bucket, sum(count)::int AS count FROM timings GROUP BY timing, bucket) t) AS timings`;

type Breakdown = { dimension: "hour" | "channel" | "country"; key: string; verdict: string; count: number };

/** One sum of tallies (`tallySum`'s row). */
export interface Tally {
  breakdown: Breakdown[];
  blocked: { rule: string; count: number }[];
  errors: { code: number; description: string | null; count: number }[];
  timings: { timing: Timing; bucket: number; count: number }[];
}

/** The page's figures of the period from the tallies of its parts (each hour in exactly one of them). */
export function figuresOf(tallies: Tally[], from: Date, to: Date): HealthFigures {
  const breakdown = tallies.flatMap((tally) => tally.breakdown);
  const histograms: Record<Timing, Map<number, number>> = { hook: new Map(), delivered: new Map() };
  for (const { timing, bucket, count } of tallies.flatMap((tally) => tally.timings)) {
    histograms[timing]?.set(bucket, (histograms[timing].get(bucket) ?? 0) + count);
  }
  const hourly = hourlyOf(breakdown, from, to);
  let overLimit = 0;
  for (const [bucket, count] of histograms.hook) {
    if (bucketBounds("hook", bucket).low >= oktaLimitMs) overLimit += count;
  }
  const blocked = new Map<string, number>();
  for (const { rule, count } of tallies.flatMap((tally) => tally.blocked))
    blocked.set(rule, (blocked.get(rule) ?? 0) + count);
  const errors = new Map<number, { code: number; description: string; count: number }>();
  for (const { code, description, count } of tallies.flatMap((tally) => tally.errors)) {
    const error = errors.get(code) ?? { code, description: "", count: 0 };
    error.count += count;
    if ((description ?? "") > error.description) error.description = description ?? "";
    errors.set(code, error);
  }
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    hourly,
    byChannel: ratesOf(breakdown, "channel"),
    byCountry: ratesOf(breakdown, "country"),
    timeToDelivered: percentilesOf("delivered", histograms.delivered),
    hookDuration: {
      // Every code was answered; those without a recorded time are in the count, not the percentiles.
      ...percentilesOf("hook", histograms.hook),
      count: breakdown.filter(({ dimension }) => dimension === "channel").reduce((sum, { count }) => sum + count, 0),
      overLimit,
    },
    blockedByRule: [...blocked]
      .map(([rule, count]) => ({ rule, count }))
      .sort((a, b) => b.count - a.count || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0)),
    telesignErrors: [...errors.values()].sort((a, b) => b.count - a.count || a.code - b.code),
  };
}

/**
 * p50 and p95 as Postgres's percentile_cont would give them (between the two nearest ranks),
 * each rank's time taken as the middle of its bucket: at most half a bucket off (5 ms for the
 * hook's time, 1% for time to delivered).
 */
function percentilesOf(timing: Timing, histogram: Map<number, number>): Percentiles {
  const buckets = [...histogram].sort(([a], [b]) => a - b);
  const count = buckets.reduce((sum, [, n]) => sum + n, 0);
  if (count === 0) return { count: 0 };
  const middleOfRank = (rank: number) => {
    let seen = 0;
    for (const [bucket, n] of buckets) {
      seen += n;
      if (rank < seen) {
        const { low, high } = bucketBounds(timing, bucket);
        return (low + high) / 2;
      }
    }
    return 0;
  };
  const percentile = (fraction: number) => {
    const position = fraction * (count - 1);
    const below = middleOfRank(Math.floor(position));
    const above = middleOfRank(Math.ceil(position));
    return Math.round(below + (above - below) * (position - Math.floor(position)));
  };
  return { count, p50Ms: percentile(0.5), p95Ms: percentile(0.95) };
}

/** One entry per hour of the period, empty hours included: a chart's gaps are real. */
function hourlyOf(rows: Breakdown[], from: Date, to: Date): HourlyOutcomes[] {
  const hours = new Map<string, HourlyOutcomes>();
  for (let at = from.getTime(); at < to.getTime(); at += hourMs) {
    const hour = new Date(at).toISOString();
    hours.set(hour, { hour, delivered: 0, pending: 0, failed: 0, blocked: 0, fallback: 0 });
  }
  for (const { dimension, key, verdict, count } of rows) {
    const entry = dimension === "hour" ? hours.get(key) : undefined;
    if (entry !== undefined && verdict in entry) entry[verdict as keyof Omit<HourlyOutcomes, "hour">] += count;
  }
  return [...hours.values()];
}

/** Delivery by channel or country, of the codes Telesign accepted (blocked and fallen-back ones never reached it). */
function ratesOf(rows: Breakdown[], by: "channel" | "country"): DeliveryRate[] {
  const rates = new Map<string, DeliveryRate>();
  for (const { dimension, key, verdict, count } of rows) {
    if (dimension !== by || verdict === "blocked" || verdict === "fallback") continue;
    const rate = rates.get(key) ?? { key, sent: 0, delivered: 0, failed: 0 };
    rate.sent += count;
    if (verdict === "delivered") rate.delivered += count;
    if (verdict === "failed") rate.failed += count;
    rates.set(key, rate);
  }
  return [...rates.values()].sort((a, b) => b.sent - a.sent || a.key.localeCompare(b.key));
}
