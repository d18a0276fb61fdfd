import { messagesOf, type Parsed, type RetentionConfig } from "../config.ts";
import { jsonLogger, type Logger } from "../log.ts";
import type { DuplicateEvents } from "../storage/duplicate-events.ts";
import type { TransactionStore } from "../storage/transaction-store.ts";
import { dayMs } from "../support/calendar.ts";
import { messageOf } from "../support/error-text.ts";

/**
 * Transaction records are personal data (a masked phone number, Okta ids): the sweep deletes every
 * fact of a record (its send, each status) written more than TRANSACTION_RETENTION_DAYS ago (whole
 * days, UTC), and the duplicate-event claims of days before yesterday (a code lives 15 minutes).
 *
 * It runs every hour and stops taking new work before Netlify's 30 s limit for a scheduled
 * function; deletions are idempotent and indexes go last, so the next run resumes where one
 * stopped. Records and claims are swept side by side, each with its own workers, so that a
 * backlog of one never starves the other.
 */

export interface RetentionSweepDependencies {
  config: Parsed<RetentionConfig>;
  transactions: () => TransactionStore;
  duplicates?: DuplicateEvents;
  now?: () => Date;
  log?: Logger;
  /** How long one run takes new work (Netlify stops a scheduled function at 30 s). */
  budgetMs?: number;
}

export interface SweepResult {
  /** Facts (a send, a status) deleted, with their indexes. */
  facts: number;
  claims: number;
  /** Whether everything due was deleted; if not, the next run goes on. */
  complete: boolean;
}

const sweepBudgetMs = 25_000;

export function createRetentionSweep({
  config,
  transactions,
  duplicates,
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
    const cutoff = new Date(now().getTime() - config.config.retentionDays * dayMs);
    const [records, claims] = await Promise.allSettled([
      transactions().deleteCreatedBefore(cutoff, deadline),
      duplicates?.deleteClaimsBefore(new Date(now().getTime() - dayMs), deadline) ?? { done: 0, complete: true },
    ]);
    const failures = [records, claims].flatMap((result) =>
      result.status === "rejected" ? [messageOf(result.reason)] : [],
    );
    const result: SweepResult = {
      facts: records.status === "fulfilled" ? records.value.done : 0,
      claims: claims.status === "fulfilled" ? claims.value.done : 0,
      complete:
        records.status === "fulfilled" &&
        records.value.complete &&
        claims.status === "fulfilled" &&
        claims.value.complete,
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
