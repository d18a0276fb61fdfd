import { type Database, isoText } from "../storage/database.ts";
import { phoneHash } from "../storage/phone-hash.ts";
import { hourMs } from "../support/calendar.ts";
import {
  type CodeRecord,
  type ConsoleRecords,
  type DeliveryReport,
  type LookupQuery,
  LookupUnavailable,
  lookupLimit,
} from "./console-records.ts";
import { codesOnly, deliveryCodes, figuresOf, rangeTally, type Tally, tallySum } from "./health-tally.ts";

/**
 * The console's reads of Netlify Database: a lookup is one statement over one of the requests'
 * indexes (user, login, phone hash, eventId, reference id), its delivery statuses joined in. The
 * health figures of a period sum the tallies of its hours: those rolled up (health-rollup.ts) in
 * one statement over the rollup tables, whose cost grows with the hours, not the codes; the others
 * (the last day, whose delivery reports may still come, and any hour not yet rolled up) read live,
 * one statement per run of hours.
 */

/** Each statement gets this long: the handler's own bound covers the whole answer. */
const statementTimeoutMs = 7_000;

/**
 * The newest codes of one index's matches: ordered and limited inside, so that the database reads
 * at most `lookupLimit` rows of the index (newest first), however many codes the key has. $2 is the limit.
 */
const newest = (where: string) =>
  `(SELECT * FROM okta_requests r WHERE ${where} AND ${codesOnly} ORDER BY r.received_at DESC, r.id DESC LIMIT $2)`;

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
      // The hours rolled up (whole hours of the period), then each run of the others read live.
      const rolled = await query<{ hour: string }>(
        `SELECT ${isoText("hour")} AS hour FROM health_hours
         WHERE hour >= $1::timestamptz AND hour + interval '1 hour' <= $2::timestamptz`,
        [from.toISOString(), to.toISOString()],
      );
      const hours = rolled.map(({ hour }) => hour);
      const tallies = await Promise.all([
        ...(hours.length > 0 ? [query<Tally>(rolledUpSum, [hours])] : []),
        ...liveRanges(from, to, new Set(hours.map((hour) => Date.parse(hour)))).map(([start, end]) =>
          query<Tally>(`WITH ${rangeTally} ${tallySum}`, [start.toISOString(), end.toISOString(), ...deliveryCodes]),
        ),
      ]);
      return figuresOf(
        tallies.flatMap(([tally]) => (tally === undefined ? [] : [tally])),
        from,
        to,
      );
    },
  };
}

/** The tallies of rolled-up hours ($1, ISO texts), summed. */
const rolledUpSum = `
  WITH outcomes AS (SELECT * FROM health_outcomes WHERE hour = ANY($1::timestamptz[])),
    errors AS (SELECT * FROM health_errors WHERE hour = ANY($1::timestamptz[])),
    timings AS (SELECT * FROM health_timings WHERE hour = ANY($1::timestamptz[]))
  ${tallySum}`;

/** The parts of the period not rolled up, as ranges of whole runs of hours (the first and last may be part of one). */
function liveRanges(from: Date, to: Date, rolled: Set<number>): [Date, Date][] {
  const ranges: [Date, Date][] = [];
  let start: number | undefined;
  for (let at = from.getTime(); at < to.getTime(); ) {
    const next = Math.min(to.getTime(), Math.floor(at / hourMs) * hourMs + hourMs);
    if (rolled.has(at) && next - at === hourMs) {
      if (start !== undefined) ranges.push([new Date(start), new Date(at)]);
      start = undefined;
    } else start ??= at;
    at = next;
  }
  if (start !== undefined) ranges.push([new Date(start), to]);
  return ranges;
}

interface StatusRow {
  code: number;
  description: string;
  at: string;
  source: string;
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
