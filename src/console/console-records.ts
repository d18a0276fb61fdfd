import { hourMs } from "../support/calendar.ts";

/**
 * What the console reads: each code the hook was asked for, as one record, and the delivery
 * figures of a period. Behind this interface the records come from the database; the console's
 * handlers, verdicts and pages know nothing of how they are stored.
 */

export interface DeliveryReport {
  code: number;
  description: string;
  /** When the hook received the report (ISO-8601): the hook's clock, as the request's time is. */
  at: string;
}

export interface CodeRecord {
  eventId: string;
  /** When the hook received Okta's request (ISO-8601). */
  requestedAt: string;
  /** Okta's requestType, e.g. com.okta.user.telephony.mfa-verification. */
  requestType?: string;
  channel?: "sms" | "voice";
  /** ISO 3166-1 alpha-2 (by the numbering plan) when the guard knew it, else the calling code (+44). */
  country?: string;
  /** Masked: country code and last digits. */
  phone?: string;
  userId?: string;
  login?: string;
  /**
   * What the hook did, as its log says: accepted (Telesign took the message), blocked (the
   * toll-fraud guard), or a reason Okta got an error (rejected, timeout, unreachable, …).
   */
  outcome: string;
  /** The toll-fraud guard's rule, for a blocked code (country, number_type, rate_limit, risk_score, message_text). */
  rule?: string;
  /** The rule's scope and window for a rate limit (number/1h, range/1h, country/1d, user/1h, all/1d). */
  scope?: string;
  /** In monitor mode: the rules that would have blocked the code (it was sent). */
  monitored?: string;
  /** Telesign's reference id: the transaction id Okta's System Log shows. */
  referenceId?: string;
  /** Telesign's answer to the send. */
  telesign?: { code?: number; description?: string };
  /** How long the hook took to answer Okta. */
  hookDurationMs?: number;
  /** Telesign's delivery reports, oldest first. */
  reports: DeliveryReport[];
}

export type LookupKind = "user" | "phone" | "event" | "reference";

export interface LookupQuery {
  kind: LookupKind;
  /** The Okta login or user id, the phone's digits (E.164 without +), the eventId or the reference id. */
  value: string;
}

/** A lookup this site cannot make; the message says why, to the agent. */
export class LookupUnavailable extends Error {
  override name = "LookupUnavailable";
}

/** At most this many codes per lookup, newest first. */
export const lookupLimit = 50;

export interface HourlyOutcomes {
  /** The hour's start (ISO-8601, UTC). */
  hour: string;
  /** Codes the hook was asked for in the hour, by what became of them. */
  delivered: number;
  pending: number;
  failed: number;
  blocked: number;
  fallback: number;
}

export interface DeliveryRate {
  /** The channel (sms, voice) or the country (ISO 3166-1 alpha-2, or "unknown"). */
  key: string;
  /** Codes Telesign accepted. */
  sent: number;
  delivered: number;
  failed: number;
}

export interface Percentiles {
  count: number;
  p50Ms?: number;
  p95Ms?: number;
}

export interface HealthFigures {
  /** The period, ISO-8601. */
  from: string;
  to: string;
  hourly: HourlyOutcomes[];
  byChannel: DeliveryRate[];
  byCountry: DeliveryRate[];
  /** From the hook receiving Okta's request to Telesign's "delivered". */
  timeToDelivered: Percentiles;
  /** The hook's own answer time; `overLimit` counts answers at or past Okta's 3 s. */
  hookDuration: Percentiles & { overLimit: number };
  blockedByRule: { rule: string; count: number }[];
  telesignErrors: { code: number; description: string; count: number }[];
}

/** The start of a period of `hours` whole hours that ends with `to`'s hour: each bar of the hourly chart counts a full hour. */
export function periodStart(to: Date, hours: number): Date {
  return new Date(Math.floor(to.getTime() / hourMs) * hourMs - (hours - 1) * hourMs);
}

export interface ConsoleRecords {
  /** The codes that match, newest first, at most `lookupLimit`. */
  lookup(query: LookupQuery): Promise<CodeRecord[]>;
  /** The figures of the period from `from` to `to`. */
  health(from: Date, to: Date): Promise<HealthFigures>;
}
