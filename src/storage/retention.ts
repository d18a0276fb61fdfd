import { DeadlineExceeded } from "../support/deadline.ts";
import type { Database } from "./database.ts";

/**
 * Deletes a table's rows older than a time, a bounded batch per statement, until none is left or
 * the deadline comes: a run cut short leaves the rest for the next, and every batch is one atomic
 * statement, so that a run stopped at any point leaves nothing half done.
 */

export interface BoundedRun {
  /** Rows deleted. */
  done: number;
  /** Whether everything due was deleted; if not, the next run goes on. */
  complete: boolean;
}

export interface BatchDelete {
  /** A table of the migrations (a constant: never an outside value). */
  table: string;
  /** Its timestamptz column that dates a row. */
  column: string;
  /** Rows dated before this go. */
  before: Date;
  /** A `performance.now()` time after which no batch starts. */
  deadline: number;
  /** Rows per statement (the physical ids of a batch are chosen by an indexed range scan). */
  batchSize?: number;
}

const defaultBatchSize = 2_000;
/** No statement of the sweep runs longer than this (and none past the deadline). */
const statementTimeoutMs = 10_000;

export async function deleteInBatches(
  database: Database,
  { table, column, before, deadline, batchSize = defaultBatchSize }: BatchDelete,
): Promise<BoundedRun> {
  const statement =
    `WITH gone AS (DELETE FROM ${table} WHERE ctid = ANY(ARRAY(` +
    `SELECT ctid FROM ${table} WHERE ${column} < $1::timestamptz LIMIT $2::int)) RETURNING 1) ` +
    "SELECT count(*)::int AS deleted FROM gone";
  let done = 0;
  while (performance.now() < deadline) {
    const rows = await statementOfRun(deadline, statementTimeoutMs, (timeoutMs) =>
      database.query<{ deleted: number }>(statement, [before.toISOString(), batchSize], { timeoutMs }),
    );
    // A batch cut off by the run's deadline is the next run's to finish.
    if (rows === undefined) return { done, complete: false };
    const deleted = rows[0]?.deleted ?? 0;
    done += deleted;
    if (deleted < batchSize) return { done, complete: true };
  }
  return { done, complete: false };
}

/**
 * One statement of a run that stops at `deadline` (a `performance.now()` time): bound by
 * `statementTimeoutMs` or by what is left of the run, whichever is shorter. Resolves `undefined`
 * when the run's deadline cut it off (the next run's to do); any other failure, the statement's own
 * bound included, rejects.
 */
export async function statementOfRun<T>(
  deadline: number,
  statementTimeoutMs: number,
  statement: (timeoutMs: number) => Promise<T>,
): Promise<T | undefined> {
  const remainingMs = deadline - performance.now();
  // Decided before the statement: its timer may fire a little early, so the clock read after it
  // cannot tell the run's deadline from the statement's own bound.
  const boundByDeadline = remainingMs < statementTimeoutMs;
  try {
    return await statement(Math.max(1, Math.min(statementTimeoutMs, remainingMs)));
  } catch (error) {
    if (error instanceof DeadlineExceeded && boundByDeadline) return undefined;
    throw error;
  }
}
