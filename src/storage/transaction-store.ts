import type { DeliveryChannel } from "../okta/telephony-request.ts";
import { wellFormed } from "../support/well-formed.ts";
import { referenceIdOf } from "../telesign/reference-id.ts";
import { type Database, isoText, netlifyDatabase } from "./database.ts";
import { type BoundedRun, deleteInBatches } from "./retention.ts";
import {
  assembleRecord,
  type StatusEntry,
  type TransactionFact,
  type TransactionRecord,
} from "./transaction-record.ts";

/**
 * What the hook answered Okta (`okta_requests`) and what Telesign reported of each message
 * (`delivery_statuses`), in Netlify Database. A status is a fact stored once and never changed,
 * keyed by reference id, code and Telesign's time: writers that race (the hook's own record, and
 * Telesign's callbacks, which may come first, and come again) never overwrite each other, and a
 * replay lands on its twin (`ON CONFLICT DO NOTHING`). Each write is one statement.
 */

/** One Okta request the hook answered: ids, masked phone, outcome and times; never the code. */
export interface OktaRequestRecord {
  /** When the request arrived (ISO-8601, the hook's clock). */
  receivedAt: string;
  eventId?: string;
  oktaRequestId?: string;
  requestType?: string;
  channel?: DeliveryChannel;
  oktaUserId?: string;
  oktaLogin?: string;
  /** Country code and last digits: `+1******3210`. */
  phoneMasked?: string;
  /** phoneHash() of the full number, when PHONE_HASH_KEY is set. */
  phoneHash?: string;
  /** The E.164 country calling code (`1`, `44`). */
  countryCode?: string;
  outcome: string;
  referenceId?: string;
  /** Telesign's status in its answer to the send. */
  telesign?: { code: number; description: string; httpStatus?: number };
  telesignAttempts?: number;
  duplicateGuard?: "database" | "memory";
  claimMs?: number;
  telesignMs?: number;
  durationMs: number;
  /** What the toll-fraud guard decided (migration 0002_toll_fraud). */
  fraud?: FraudFacts;
}

/** A request the toll-fraud guard refused, as the status endpoint shows it: never the number or a threshold. */
export interface BlockedRequest {
  eventId: string;
  oktaRequestId: string | null;
  requestType: string | null;
  channel: DeliveryChannel | null;
  phone: string | null;
  /** When it arrived (ISO-8601). */
  receivedAt: string;
  /** The kinds of rule that refused it, comma-separated. */
  rules: string | null;
  scope: string | null;
  country: string | null;
}

/** The toll-fraud guard's part of a record: the destination's country and what objected, if anything. */
export interface FraudFacts {
  /** ISO 3166-1 alpha-2 by the numbering plan, or `INTL` for a number no country owns (+800, +882…). */
  country?: string;
  verdict?: "blocked" | "would_block" | "unavailable";
  /** The kinds of rule, comma-separated. */
  rules?: string;
  /** A rate limit's scope and window. */
  scope?: string;
}

export interface TransactionStore {
  /** The request, and the send's status as the first fact of its message when Telesign accepted it. */
  recordRequest(request: OktaRequestRecord): Promise<void>;
  /** `dated`: whether Telesign gave the status's time (else `status.updatedOn` is the receipt time). */
  recordStatus(
    referenceId: string,
    status: StatusEntry,
    options?: { eventId?: string; dated?: boolean },
  ): Promise<void>;
  get(referenceId: string): Promise<TransactionRecord | undefined>;
  getByEventId(eventId: string): Promise<TransactionRecord | undefined>;
  /** The latest request of the event that the toll-fraud guard refused (nothing was sent for it). */
  getBlocked(eventId: string): Promise<BlockedRequest | undefined>;
  /** Deletes requests and statuses stored before `cutoff`, until `deadline` (a `performance.now()` time). */
  deleteRecordedBefore(cutoff: Date, deadline?: number): Promise<BoundedRun>;
}

/** The longest id kept: Okta's ids are about 25 characters; a longer value is not an id of Okta's. */
const maxIdLength = 200;
/** The longest status description kept: Telesign's are a few words. */
export const maxDescriptionLength = 500;
/** Each statement's bound when the caller sets none. */
const defaultStatementTimeoutMs = 2_000;

const insertRequest = `
WITH request AS (
  INSERT INTO okta_requests (received_at, event_id, okta_request_id, request_type, channel, okta_user_id,
    okta_login, phone_masked, phone_hash, country_code, outcome, reference_id, telesign_code,
    telesign_http_status, telesign_attempts, duplicate_guard, claim_ms, telesign_ms, duration_ms,
    destination_country, fraud_verdict, fraud_rules, fraud_scope)
  VALUES ($1::timestamptz, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::int, $14::smallint, $15::smallint,
    $16, $17::int, $18::int, $19::int, $23, $24, $25, $26)
)
INSERT INTO delivery_statuses (reference_id, code, description, updated_on, dated, source, recorded_at)
SELECT $12, $13::int, $20::text, $21::text, true, 'send', $22::timestamptz
WHERE $12::text IS NOT NULL AND $20::text IS NOT NULL
ON CONFLICT DO NOTHING`;

const insertStatus = `
INSERT INTO delivery_statuses (reference_id, code, description, updated_on, dated, source, last_channel, event_id, recorded_at)
VALUES ($1, $2::int, $3, $4, $5::boolean, 'callback', $6, $7, $8::timestamptz)
ON CONFLICT DO NOTHING`;

/** A record's request and facts, in one round trip; `$1` is the reference id. */
const selectRecord = `
SELECT
  (SELECT json_build_object('eventId', event_id, 'oktaRequestId', okta_request_id, 'requestType', request_type,
     'channel', channel, 'phone', phone_masked)
   FROM okta_requests WHERE reference_id = $1 ORDER BY received_at LIMIT 1) AS request,
  (SELECT json_agg(json_build_object('code', code, 'description', description, 'updatedOn', updated_on,
     'source', source, 'lastChannel', last_channel, 'eventId', event_id, 'recordedAt', ${isoText("recorded_at")}))
   FROM delivery_statuses WHERE reference_id = $1) AS facts`;

const selectReferenceOfEvent = `
SELECT coalesce(
  (SELECT reference_id FROM okta_requests WHERE event_id = $1 AND reference_id IS NOT NULL
   ORDER BY received_at DESC LIMIT 1),
  (SELECT reference_id FROM delivery_statuses WHERE event_id = $1 ORDER BY recorded_at DESC LIMIT 1)
) AS "referenceId"`;

const selectBlocked = `
SELECT event_id AS "eventId", okta_request_id AS "oktaRequestId", request_type AS "requestType", channel,
  phone_masked AS phone, ${isoText("received_at")} AS "receivedAt", fraud_rules AS rules, fraud_scope AS scope,
  destination_country AS country
FROM okta_requests WHERE event_id = $1 AND outcome = 'blocked'
ORDER BY received_at DESC LIMIT 1`;

interface StoredFact {
  code: number;
  description: string;
  updatedOn: string;
  source: "send" | "callback";
  lastChannel: string | null;
  eventId: string | null;
  recordedAt: string;
}

interface StoredRequest {
  eventId: string | null;
  oktaRequestId: string | null;
  requestType: string | null;
  channel: DeliveryChannel | null;
  phone: string | null;
}

let instanceStore: TransactionStore | undefined;

/** The site's records, on this instance's database connection. */
export function netlifyTransactionStore(): TransactionStore {
  instanceStore ??= databaseTransactionStore(netlifyDatabase);
  return instanceStore;
}

export function databaseTransactionStore(
  database: () => Database,
  {
    now = () => new Date(),
    timeoutMs = defaultStatementTimeoutMs,
  }: { now?: () => Date /** Each statement's bound. */; timeoutMs?: number } = {},
): TransactionStore {
  const bound = { timeoutMs };

  async function get(referenceId: string): Promise<TransactionRecord | undefined> {
    const checked = referenceIdOf(referenceId);
    if (checked === undefined) return undefined;
    const [row] = await database().query<{ request: StoredRequest | null; facts: StoredFact[] | null }>(
      selectRecord,
      [checked],
      bound,
    );
    return assembleRecord(checked, factsOf(checked, row?.request ?? null, row?.facts ?? []));
  }

  return {
    async recordRequest(request) {
      const { telesign } = request;
      await database().query(
        insertRequest,
        [
          request.receivedAt,
          idOf(request.eventId),
          idOf(request.oktaRequestId),
          idOf(request.requestType),
          request.channel ?? null,
          idOf(request.oktaUserId),
          idOf(request.oktaLogin),
          request.phoneMasked ?? null,
          request.phoneHash ?? null,
          request.countryCode ?? null,
          request.outcome,
          referenceIdOf(request.referenceId) ?? null,
          telesign?.code ?? null,
          telesign?.httpStatus ?? null,
          request.telesignAttempts ?? null,
          request.duplicateGuard ?? null,
          roundedMs(request.claimMs),
          roundedMs(request.telesignMs),
          roundedMs(request.durationMs),
          request.outcome === "accepted" ? descriptionOf(telesign?.description ?? "") : null,
          request.receivedAt,
          now().toISOString(),
          request.fraud?.country ?? null,
          request.fraud?.verdict ?? null,
          request.fraud?.rules ?? null,
          request.fraud?.scope ?? null,
        ],
        bound,
      );
    },
    async recordStatus(referenceId, status, { eventId, dated = true } = {}) {
      await database().query(
        insertStatus,
        [
          referenceId,
          status.code,
          descriptionOf(status.description),
          printable(status.updatedOn.slice(0, maxIdLength)),
          dated,
          status.lastChannel === undefined ? null : idOf(status.lastChannel),
          idOf(eventId),
          now().toISOString(),
        ],
        bound,
      );
    },
    get,
    async getByEventId(eventId) {
      const stored = idOf(eventId);
      if (stored === null) return undefined;
      const [row] = await database().query<{ referenceId: string | null }>(selectReferenceOfEvent, [stored], bound);
      return row?.referenceId == null ? undefined : get(row.referenceId);
    },
    async getBlocked(eventId) {
      const stored = idOf(eventId);
      if (stored === null) return undefined;
      const [row] = await database().query<BlockedRequest>(selectBlocked, [stored], bound);
      return row;
    },
    async deleteRecordedBefore(cutoff, deadline = Number.POSITIVE_INFINITY) {
      const db = database();
      const [requests, statuses] = await Promise.all([
        deleteInBatches(db, { table: "okta_requests", column: "received_at", before: cutoff, deadline }),
        deleteInBatches(db, { table: "delivery_statuses", column: "recorded_at", before: cutoff, deadline }),
      ]);
      return { done: requests.done + statuses.done, complete: requests.complete && statuses.complete };
    },
  };
}

/** The facts of a record, as the record model assembles them. */
function factsOf(referenceId: string, request: StoredRequest | null, stored: StoredFact[]): TransactionFact[] {
  return stored.map((fact): TransactionFact => {
    const status = { code: fact.code, description: fact.description, updatedOn: fact.updatedOn };
    if (fact.source === "send") {
      return {
        kind: "send",
        recordedAt: fact.recordedAt,
        send: {
          referenceId,
          eventId: request?.eventId ?? undefined,
          oktaRequestId: request?.oktaRequestId ?? undefined,
          requestType: request?.requestType ?? undefined,
          channel: request?.channel ?? "sms",
          phone: request?.phone ?? "",
          status,
        },
      };
    }
    return {
      kind: "status",
      recordedAt: fact.recordedAt,
      eventId: fact.eventId ?? undefined,
      status: { ...status, source: "callback", ...(fact.lastChannel !== null && { lastChannel: fact.lastChannel }) },
    };
  });
}

/** An outside id as stored (and looked up): printable, at most maxIdLength characters, or none. */
function idOf(value: string | undefined): string | null {
  return value !== undefined && value.length <= maxIdLength ? printable(value) : null;
}

/** A status description as stored: printable, cut at maxDescriptionLength characters. */
function descriptionOf(value: string): string {
  return printable(value.slice(0, maxDescriptionLength));
}

/**
 * Outside text as Postgres takes it: a NUL character makes it refuse the whole statement (the
 * record lost, a callback refused at every retry), and other control characters have no place in
 * an id. Half a surrogate pair (valid JSON, `"\ud800"`, but not Unicode; or a cut through an emoji)
 * makes Neon's endpoint refuse the whole statement too. Each becomes U+FFFD, so that the value
 * keeps its length and visibly differs from a clean one.
 */
function printable(value: string): string {
  return (
    wellFormed(value)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it replaces
      .replace(/[\u0000-\u001f\u007f]/g, "\ufffd")
  );
}

function roundedMs(ms: number | undefined): number | null {
  return ms === undefined ? null : Math.round(ms);
}
