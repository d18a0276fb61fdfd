import { oktaLimitMs } from "../okta/time-limit.ts";
import type { Database } from "../storage/database.ts";
import { phoneHash } from "../storage/phone-hash.ts";
import { hourMs } from "../support/calendar.ts";
import { type DeliveryState, deliveryStateOf } from "../telesign/status-codes.ts";
import {
  type CodeRecord,
  type ConsoleRecords,
  type DeliveryRate,
  type DeliveryReport,
  type HourlyOutcomes,
  type LookupQuery,
  LookupUnavailable,
  lookupLimit,
} from "./console-records.ts";

/**
 * The console's reads of Netlify Database: a lookup is one statement over one of the requests'
 * indexes (user, login, phone hash, eventId, reference id), its delivery statuses joined in; the
 * health figures of any period are one statement, whatever the traffic: one pass over the
 * period's rows by their time index.
 */

/** Each statement gets this long: the handler's own bound covers the whole answer. */
const statementTimeoutMs = 7_000;

/** Telesign's codes of each delivery state, for SQL: the meaning stays in status-codes.ts. */
const telesignCodes = Array.from({ length: 1_000 }, (_, index) => 3_000 + index);
const codesOf = (state: DeliveryState) => telesignCodes.filter((code) => deliveryStateOf(code) === state);
const deliveredCodes = codesOf("delivered");
const failedCodes = codesOf("failed");

/** Repeats of an eventId are not codes of their own: Okta got the first request's answer. */
const codes = "r.outcome <> 'duplicate'";

/**
 * The newest codes of one index's matches: ordered and limited inside, so that the database reads
 * at most `lookupLimit` rows of the index (newest first), however many codes the key has. $2 is the limit.
 */
const newest = (where: string) =>
  `(SELECT * FROM okta_requests r WHERE ${where} AND ${codes} ORDER BY r.received_at DESC, r.id DESC LIMIT $2)`;

/** The requests a lookup matches, each through its own index (a user: by id, or by login in any case). */
const lookupSources: Record<LookupQuery["kind"], string> = {
  user: `(${newest("r.okta_user_id = $1")} UNION ${newest("lower(r.okta_login) = lower($1)")}) r`,
  phone: `${newest("r.phone_hash = $1")} r`,
  event: `${newest("r.event_id = $1")} r`,
  reference: `${newest("r.reference_id = $1")} r`,
};

export function databaseRecords(database: () => Database, phoneHashKey: string | undefined): ConsoleRecords {
  const query = <Row extends object>(text: string, params: unknown[]) =>
    database().query<Row>(text, params, { timeoutMs: statementTimeoutMs });

  return {
    async lookup({ kind, value }) {
      if (kind === "phone" && phoneHashKey === undefined) {
        throw new LookupUnavailable(
          "Lookup by phone needs PHONE_HASH_KEY, the key the hook hashes numbers with: ask your admin to set it.",
        );
      }
      const asked = kind === "phone" ? phoneHash(phoneHashKey ?? "", value) : value;
      const rows = await query<{ request: Record<string, unknown>; statuses: StatusRow[] }>(
        `SELECT to_jsonb(r) AS request,
           (SELECT coalesce(json_agg(json_build_object(
                'code', s.code, 'description', s.description, 'at', s.recorded_at, 'source', s.source)
              ORDER BY s.recorded_at), '[]'::json)
            FROM delivery_statuses s WHERE s.reference_id = r.reference_id) AS statuses
         FROM ${lookupSources[kind]}
         ORDER BY r.received_at DESC, r.id DESC
         LIMIT $2`,
        [asked, lookupLimit],
      );
      return rows.map(({ request, statuses }) => codeRecordOf(request, statuses));
    },

    async health(from, to) {
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
    },
  };
}

/**
 * A period's figures in one statement: each request of the period read once (by the time index),
 * joined to its delivery reports (those recorded up to a day later still count), classified
 * once, then counted every way the page shows. Time to delivered is on the hook's own clock, from
 * Okta's request arriving to Telesign's delivered report arriving: no clock skew between the two.
 * $1, $2: the period; $3, $4: Telesign's delivered and failed codes.
 */
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

interface StatusRow {
  code: number;
  description: string;
  at: string;
  source: string;
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

const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
const number = (value: unknown) => (typeof value === "number" ? value : undefined);
const iso = (value: unknown) => new Date(String(value)).toISOString();

/** A request's row (whatever columns later migrations add) as the console's record. */
function codeRecordOf(row: Record<string, unknown>, statuses: StatusRow[]): CodeRecord {
  const send = statuses.find((status) => status.source === "send");
  const reports: DeliveryReport[] = statuses
    .filter((status) => status.source !== "send")
    .map(({ code, description, at }) => ({ code, description, at: iso(at) }));
  const channel = text(row.channel);
  const countryCode = text(row.country_code);
  const telesignCode = number(row.telesign_code);
  return {
    eventId: text(row.event_id) ?? "",
    requestedAt: iso(row.received_at),
    requestType: text(row.request_type),
    channel: channel === "sms" || channel === "voice" ? channel : undefined,
    country: text(row.destination_country) ?? (countryCode && `+${countryCode}`),
    phone: text(row.phone_masked),
    userId: text(row.okta_user_id),
    login: text(row.okta_login),
    outcome: text(row.outcome) ?? "unknown",
    // The guard's columns (a later migration): the first kind of rule that refused, and its scope.
    rule: text(row.outcome) === "blocked" ? text(String(row.fraud_rules ?? "").split(",")[0]) : undefined,
    scope: text(row.fraud_scope),
    monitored: text(row.fraud_verdict) === "would_block" ? (text(row.fraud_rules) ?? "a rule") : undefined,
    referenceId: text(row.reference_id),
    telesign:
      telesignCode === undefined && send === undefined
        ? undefined
        : { code: telesignCode ?? send?.code, description: send?.description },
    hookDurationMs: number(row.duration_ms),
    reports,
  };
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
