import type { DeliveryChannel } from "../okta/telephony-request.ts";
import type { TelephonyStatus } from "../okta/telephony-response.ts";
import { deliveryStateOf } from "../telesign/status-codes.ts";

/**
 * What the hook keeps of each message Telesign accepted, to answer "what happened to my code?":
 * ids, the masked phone, and Telesign's status history. Never the code or the message text.
 */

export type StatusSource = "send" | "callback" | "status";

export interface StatusEntry {
  code: number;
  description: string;
  /** Telesign's time of the status (ISO-8601). */
  updatedOn: string;
  source: StatusSource;
  lastChannel?: string;
}

export interface TransactionRecord {
  referenceId: string;
  eventId?: string;
  oktaRequestId?: string;
  requestType?: string;
  channel?: DeliveryChannel;
  /** Masked: country code and last digits. */
  phone?: string;
  createdAt: string;
  updatedAt: string;
  /** Oldest first; one entry per code and time, whichever source reported it first. */
  history: StatusEntry[];
}

export interface SendFacts {
  referenceId: string;
  eventId?: string;
  oktaRequestId?: string;
  requestType?: string;
  channel: DeliveryChannel;
  phone: string;
  status: Omit<StatusEntry, "source">;
}

/**
 * One thing learnt about a transaction, stored once and never changed: the hook's send, or a
 * status from a callback. A record is all of its facts together, in any order of arrival.
 */
export type TransactionFact =
  | { kind: "send"; send: SendFacts; recordedAt: string }
  | { kind: "status"; status: StatusEntry; eventId?: string; recordedAt: string };

export function assembleRecord(referenceId: string, facts: TransactionFact[]): TransactionRecord | undefined {
  if (facts.length === 0) return undefined;
  const times = facts.map((fact) => fact.recordedAt).sort();
  let record: TransactionRecord = {
    referenceId,
    createdAt: times[0] ?? "",
    updatedAt: times.at(-1) ?? "",
    history: [],
  };
  for (const fact of facts) {
    if (fact.kind === "send") {
      const { status, referenceId: _, ...send } = fact.send;
      record = withStatus({ ...record, ...send }, { ...status, source: "send" });
    } else {
      record = withStatus({ ...record, eventId: record.eventId ?? fact.eventId }, fact.status);
    }
  }
  return record;
}

/**
 * The record with one more status; duplicates (same code and time) are dropped. The send comes
 * first (its time is the hook's clock, not Telesign's), then Telesign's statuses in Telesign's time.
 */
export function withStatus<T extends Pick<TransactionRecord, "history">>(record: T, entry: StatusEntry): T {
  const known = record.history.some((seen) => seen.code === entry.code && seen.updatedOn === entry.updatedOn);
  if (known) return record;
  return { ...record, history: [...record.history, entry].sort(chronologically) };
}

function chronologically(a: StatusEntry, b: StatusEntry): number {
  const sendFirst = Number(b.source === "send") - Number(a.source === "send");
  return sendFirst || a.updatedOn.localeCompare(b.updatedOn);
}

export function currentStatus(record: Pick<TransactionRecord, "history">): StatusEntry | undefined {
  return record.history.at(-1);
}

const oktaReadings = { delivered: "SUCCESSFUL", in_progress: "PENDING", failed: "FAILED" } as const;

/** Telesign's delivery code as Okta's status: every failure is FAILED, anything not final PENDING. */
export function oktaReadingOf(code: number): TelephonyStatus {
  return oktaReadings[deliveryStateOf(code)];
}
