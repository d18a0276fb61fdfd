import { messagesOf, type Parsed, type RetentionConfig } from "../config.ts";
import { jsonLogger, type Logger } from "../log.ts";
import type { DuplicateEvents } from "../storage/duplicate-events.ts";
import type { FraudRetention } from "../storage/fraud-store.ts";
import type { TransactionStore } from "../storage/transaction-store.ts";
import { dayMs, retentionCutoff } from "../support/calendar.ts";
import { messageOf } from "../support/error-text.ts";

/**
 * Records are personal data (a masked phone number, Okta ids and login): the sweep deletes the
 * requests and delivery statuses stored more than TRANSACTION_RETENTION_DAYS ago (whole days, UTC),
 * the duplicate-event claims a day after their code expired (a code lives 15 minutes at most), and
 * the toll-fraud guard's counters and risk scores once expired: five tables.
 *
 * It runs every hour, deletes in bounded batches (one statement each, by the indexed time column),
 * and starts no batch after its budget, before Netlify's 30 s limit for a scheduled function: the
 * next run resumes where one stopped. Each table is swept side by side with the others, so that a
 * backlog of one never starves another.
 */

export interface RetentionSweepDependencies {
  config: Parsed<RetentionConfig>;
  transactions: () => TransactionStore;
  duplicates?: DuplicateEvents;
  /** The toll-fraud guard's counters and risk scores, deleted once expired. */
  fraud?: FraudRetention;
  now?: () => Date;
  log?: Logger;
  /** How long one run takes new work (Netlify stops a scheduled function at 30 s). */
  budgetMs?: number;
}

export interface SweepResult {
  /** Requests and delivery statuses deleted. */
  records: number;
  claims: number;
  /** The toll-fraud guard's expired counters and risk scores deleted (when it has a store). */
  fraud?: number;
  /** Whether everything due was deleted; if not, the next run goes on. */
  complete: boolean;
}

const sweepBudgetMs = 25_000;

export function createRetentionSweep({
  config,
  transactions,
  duplicates,
  fraud,
  now = () => new Date(),
  log = jsonLogger,
  budgetMs = sweepBudgetMs,
}: RetentionSweepDependencies) {
  return async function sweepTransactions(): Promise<SweepResult | undefined> {
    if (!config.ok) {
      log("error", "transaction retention", { outcome: "misconfigured", problems: messagesOf(config.problems) });
      return undefined;
    }
    const started = performance.now();
    const deadline = started + budgetMs;
    const cutoff = retentionCutoff(now(), config.config.retentionDays);
    const [records, claims, expired] = await Promise.allSettled([
      transactions().deleteRecordedBefore(cutoff, deadline),
      duplicates?.deleteClaimsBefore(new Date(now().getTime() - dayMs), deadline) ?? { done: 0, complete: true },
      fraud?.deleteExpired(now(), deadline) ?? { done: 0, complete: true },
    ]);
    const failures = [records, claims, expired].flatMap((result) =>
      result.status === "rejected" ? [messageOf(result.reason)] : [],
    );
    const result: SweepResult = {
      records: records.status === "fulfilled" ? records.value.done : 0,
      claims: claims.status === "fulfilled" ? claims.value.done : 0,
      ...(fraud !== undefined && { fraud: expired.status === "fulfilled" ? expired.value.done : 0 }),
      complete:
        records.status === "fulfilled" &&
        records.value.complete &&
        claims.status === "fulfilled" &&
        claims.value.complete &&
        expired.status === "fulfilled" &&
        expired.value.complete,
    };
    log(failures.length > 0 ? "error" : "info", "transaction retention", {
      outcome: failures.length > 0 ? "failed" : result.complete ? "swept" : "more_to_sweep",
      ...result,
      cutoff: cutoff.toISOString().slice(0, 10),
      durationMs: Math.round(performance.now() - started),
      ...(failures.length > 0 && { errors: failures }),
    });
    return result;
  };
}
