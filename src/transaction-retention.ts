import type { Parsed, RetentionConfig } from "./config.ts";
import type { DuplicateEvents } from "./duplicate-events.ts";
import { jsonLogger, type Logger } from "./log.ts";
import type { TransactionStore } from "./transactions/transaction-store.ts";

/**
 * Transaction records are personal data (a masked phone number, Okta ids): the daily sweep
 * deletes those first seen more than TRANSACTION_RETENTION_DAYS ago (whole days, UTC).
 */

export interface RetentionSweepDependencies {
  config: Parsed<RetentionConfig>;
  transactions: () => TransactionStore;
  /** Claims only matter while a code lives: those of days before yesterday go too. */
  duplicates?: DuplicateEvents;
  now?: () => Date;
  log?: Logger;
}

const dayMs = 24 * 60 * 60 * 1000;

export function createRetentionSweep({
  config,
  transactions,
  duplicates,
  now = () => new Date(),
  log = jsonLogger,
}: RetentionSweepDependencies) {
  return async function sweepTransactions(): Promise<number | undefined> {
    if (!config.ok) {
      log("error", "transaction retention", { outcome: "misconfigured", problems: config.problems });
      return undefined;
    }
    const cutoff = new Date(now().getTime() - config.config.retentionDays * dayMs);
    const started = performance.now();
    try {
      const deleted = await transactions().deleteCreatedBefore(cutoff);
      const claims = (await duplicates?.deleteClaimsBefore(new Date(now().getTime() - dayMs))) ?? 0;
      log("info", "transaction retention", {
        outcome: "swept",
        deleted,
        claims,
        cutoff: cutoff.toISOString().slice(0, 10),
        durationMs: Math.round(performance.now() - started),
      });
      return deleted;
    } catch (error) {
      log("error", "transaction retention", {
        outcome: "failed",
        error: error instanceof Error ? error.message : String(error),
      });
      return undefined;
    }
  };
}
