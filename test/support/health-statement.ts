import type { DeliveryRate, HealthFigures, HourlyOutcomes } from "../../src/console/console-records.ts";
import { deliveryCodes } from "../../src/console/health-tally.ts";
import { oktaLimitMs } from "../../src/okta/time-limit.ts";
import type { Database } from "../../src/storage/database.ts";
import { hourMs } from "../../src/support/calendar.ts";

/**
 * The health figures as the console read them before its hourly rollups: one statement over every
 * request of the period and its delivery statuses, exact percentiles (percentile_cont). The
 * rollups' tests hold the figures of rollups and live reads to these.
 */

const [deliveredCodes, failedCodes] = deliveryCodes;
const codes = "r.outcome <> 'duplicate'";

export async function singleStatementHealth(database: Database, from: Date, to: Date): Promise<HealthFigures> {
  const query = <Row extends object>(text: string, params: unknown[]) =>
    database.query<Row>(text, params, { timeoutMs: 60_000 });
  const [row] = await query<HealthRow>(healthStatement, [
    from.toISOString(),
    to.toISOString(),
    deliveredCodes,
    failedCodes,
  ]);
  const figures = row?.durations;
  const breakdown = row?.breakdown ?? [];
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    hourly: hourlyOf(breakdown, from, to),
    byChannel: ratesOf(breakdown, "channel"),
    byCountry: ratesOf(breakdown, "country"),
    timeToDelivered: {
      count: figures?.delivered ?? 0,
      p50Ms: figures?.delivered_p50 ?? undefined,
      p95Ms: figures?.delivered_p95 ?? undefined,
    },
    hookDuration: {
      count: figures?.answered ?? 0,
      p50Ms: figures?.duration_p50 ?? undefined,
      p95Ms: figures?.duration_p95 ?? undefined,
      overLimit: figures?.over_limit ?? 0,
    },
    blockedByRule: row?.blocked ?? [],
    telesignErrors: (row?.errors ?? []).map(({ code, description, count }) => ({
      code,
      description: description ?? "",
      count,
    })),
  };
}

const healthStatement = `
  WITH statuses AS (
    SELECT s.reference_id,
      bool_or(s.code = ANY($3::int[])) AS delivered,
      bool_or(s.code = ANY($4::int[])) AS failed,
      min(s.recorded_at) FILTER (WHERE s.code = ANY($3::int[])) AS delivered_at
    FROM delivery_statuses s
    WHERE s.recorded_at >= $1::timestamptz AND s.recorded_at < $2::timestamptz + interval '1 day'
      AND s.source <> 'send'
    GROUP BY s.reference_id
  ), requests AS MATERIALIZED (
    SELECT r.received_at, r.channel, r.duration_ms, r.outcome, r.telesign_code, r.reference_id, st.delivered_at,
      coalesce(r.destination_country, '+' || r.country_code) AS country,
      CASE WHEN r.outcome = 'blocked' THEN coalesce(split_part(r.fraud_rules, ',', 1), 'unknown') END AS rule,
      CASE WHEN r.outcome = 'blocked' THEN 'blocked'
           WHEN r.outcome <> 'accepted' THEN 'fallback'
           WHEN st.delivered THEN 'delivered'
           WHEN st.failed THEN 'failed'
           ELSE 'pending' END AS verdict
    FROM okta_requests r LEFT JOIN statuses st ON st.reference_id = r.reference_id
    WHERE r.received_at >= $1::timestamptz AND r.received_at < $2::timestamptz AND ${codes}
  ), breakdown AS (
    SELECT CASE WHEN grouping(hour) = 0 THEN 'hour' WHEN grouping(channel) = 0 THEN 'channel' ELSE 'country' END
        AS dimension,
      coalesce(to_char(hour, 'YYYY-MM-DD"T"HH24":00:00.000Z"'), channel, country) AS key, verdict, count(*)::int AS count
    FROM (
      SELECT date_trunc('hour', received_at, 'UTC') AT TIME ZONE 'UTC' AS hour,
        coalesce(channel, 'unknown') AS channel, coalesce(country, 'unknown') AS country, verdict
      FROM requests
    ) q
    GROUP BY GROUPING SETS ((hour, verdict), (channel, verdict), (country, verdict))
  ), durations AS (
    SELECT
      count(delivered_at)::int AS delivered,
      round(percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(0, extract(epoch FROM delivered_at - received_at) * 1000))
        FILTER (WHERE delivered_at IS NOT NULL))::int AS delivered_p50,
      round(percentile_cont(0.95) WITHIN GROUP (ORDER BY greatest(0, extract(epoch FROM delivered_at - received_at) * 1000))
        FILTER (WHERE delivered_at IS NOT NULL))::int AS delivered_p95,
      count(*)::int AS answered,
      round(percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms))::int AS duration_p50,
      round(percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms))::int AS duration_p95,
      count(*) FILTER (WHERE duration_ms >= ${oktaLimitMs})::int AS over_limit
    FROM requests
  ), blocked AS (
    SELECT rule, count(*)::int AS count FROM requests WHERE verdict = 'blocked' GROUP BY rule
  ), errors AS (
    SELECT code, max(description) AS description, count(*)::int AS count FROM (
      SELECT r.telesign_code AS code, s.description FROM requests r
        LEFT JOIN delivery_statuses s ON s.reference_id = r.reference_id AND s.source = 'send'
      WHERE r.outcome = 'rejected' AND r.telesign_code IS NOT NULL
      UNION ALL
      SELECT s.code, s.description FROM delivery_statuses s
      WHERE s.recorded_at >= $1::timestamptz AND s.recorded_at < $2::timestamptz AND s.code = ANY($4::int[])
    ) e
    GROUP BY code
  )
  SELECT
    (SELECT coalesce(json_agg(b), '[]'::json) FROM breakdown b) AS breakdown,
    (SELECT row_to_json(d) FROM durations d) AS durations,
    (SELECT coalesce(json_agg(x ORDER BY x.count DESC, x.rule), '[]'::json) FROM blocked x) AS blocked,
    (SELECT coalesce(json_agg(e ORDER BY e.count DESC, e.code), '[]'::json) FROM errors e) AS errors`;

interface HealthRow {
  breakdown: Breakdown[];
  durations: DurationRow;
  blocked: { rule: string; count: number }[];
  errors: { code: number; description: string | null; count: number }[];
}

interface DurationRow {
  delivered: number;
  delivered_p50: number | null;
  delivered_p95: number | null;
  answered: number;
  duration_p50: number | null;
  duration_p95: number | null;
  over_limit: number;
}

type Breakdown = { dimension: "hour" | "channel" | "country"; key: string; verdict: string; count: number };

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
