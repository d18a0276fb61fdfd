import { messagesOf, type Parsed, type RetentionConfig } from "../config.ts";
import { jsonLogger, type Logger } from "../log.ts";
import { type Database, isoText } from "../storage/database.ts";
import { statementOfRun } from "../storage/retention.ts";
import { dayMs, hourMs, retentionCutoff } from "../support/calendar.ts";
import { messageOf } from "../support/error-text.ts";
import { deliveryCodes, rangeTally } from "./health-tally.ts";

/**
 * The health page's hourly rollups (migration 0006_health_rollups): each hour whose figures can no
 * longer change is tallied once into health_hours, health_outcomes, health_errors and
 * health_timings, so that a week's figures read a few rows an hour, not every code. An hour is
 * final once a day has passed since its end: a code's delivery reports count up to a day after
 * its hour, and a failed report counts in the hour it came, so nothing later changes it.
 *
 * The job runs hourly beside the retention sweep. It first deletes the rollups of hours wholly
 * past the retention (their requests are gone, their figures go too), then rolls up the due hours
 * still missing, oldest first, one statement each (the hour's marker and its tallies, atomically:
 * an hour is rolled up entirely or not at all, and once, however many runs overlap), and starts no
 * hour after its budget: the next run resumes with the hours still missing. Only hours inside the
 * retention are rolled up, so none is tallied while the sweep is deleting its rows.
 */

export interface HealthRollupResult {
  /** Hours rolled up by this run. */
  rolled: number;
  /** Rolled-up hours deleted, past the retention. */
  deleted: number;
  /** Whether every due hour is rolled up; if not, the next run goes on. */
  complete: boolean;
}

/** An hour is rolled up once this long has passed since its start: its hour, then a day of reports. */
export const rollupDelayMs = hourMs + dayMs;

/** No statement of the job runs longer than this (and none past its budget). */
const statementTimeoutMs = 10_000;

/** The hours rolled up in one run, at most (a week is 168). */
const defaultMaxHours = 200;

/**
 * The rollups of hours before $1 go (their rows are past the retention: the cutoff is on the hour),
 * at most $2 hours a run, oldest first (a shortened retention leaves the rest to the next runs).
 */
const deletePastRetention = `
  WITH gone AS (
    DELETE FROM health_hours WHERE hour IN (
      SELECT hour FROM health_hours WHERE hour < $1::timestamptz ORDER BY hour LIMIT $2::int)
    RETURNING 1)
  SELECT count(*)::int AS deleted FROM gone`;

/** The due hours from $1 to $2 (both included) that are not rolled up yet, oldest first, at most $3. */
const missingHours = `
  SELECT ${isoText("h")} AS hour FROM generate_series($1::timestamptz, $2::timestamptz, interval '1 hour') h
  WHERE NOT EXISTS (SELECT 1 FROM health_hours d WHERE d.hour = h)
  ORDER BY h LIMIT $3::int`;

/**
 * Rolls up the hour from $1 to $2: its marker, and its tallies only if this statement wrote the
 * marker (a concurrent run that rolled it first wins; nothing is counted twice).
 */
const rollUpHour = `
  WITH ${rangeTally},
  marked AS (INSERT INTO health_hours (hour) VALUES ($1::timestamptz) ON CONFLICT DO NOTHING RETURNING hour),
  written_outcomes AS (
    INSERT INTO health_outcomes (hour, channel, country, verdict, rule, count)
    SELECT hour, channel, country, verdict, rule, count FROM outcomes WHERE EXISTS (SELECT 1 FROM marked)
  ), written_errors AS (
    INSERT INTO health_errors (hour, code, description, count)
    SELECT hour, code, description, count FROM errors WHERE EXISTS (SELECT 1 FROM marked)
  ), written_timings AS (
    INSERT INTO health_timings (hour, timing, bucket, count)
    SELECT hour, timing, bucket, count FROM timings WHERE EXISTS (SELECT 1 FROM marked)
  )
  SELECT count(*)::int AS rolled FROM marked`;

export interface HealthRollupRun {
  now: Date;
  retentionDays: number;
  /** A `performance.now()` time after which no hour starts. */
  deadline: number;
  /** Hours rolled up per run, at most; as many rolled-up hours past the retention deleted. */
  maxHours?: number;
}

/** One bounded run: deletes the rollups past the retention, then rolls up the due hours it can. */
export async function rollUpHealth(
  database: Database,
  { now, retentionDays, deadline, maxHours = defaultMaxHours }: HealthRollupRun,
): Promise<HealthRollupResult> {
  const timeoutMs = () => Math.max(1, Math.min(statementTimeoutMs, deadline - performance.now()));
  const cutoff = retentionCutoff(now, retentionDays);
  const [gone] = await database.query<{ deleted: number }>(deletePastRetention, [cutoff.toISOString(), maxHours], {
    timeoutMs: timeoutMs(),
  });
  const deleted = gone?.deleted ?? 0;
  const lastDue = new Date(Math.floor((now.getTime() - rollupDelayMs) / hourMs) * hourMs);
  const result: HealthRollupResult = { rolled: 0, deleted, complete: deleted < maxHours };
  if (lastDue < cutoff) return result;
  const due = await database.query<{ hour: string }>(
    missingHours,
    [cutoff.toISOString(), lastDue.toISOString(), maxHours + 1],
    { timeoutMs: timeoutMs() },
  );
  for (const [index, { hour }] of due.entries()) {
    if (index === maxHours || performance.now() >= deadline) return { ...result, complete: false };
    const end = new Date(Date.parse(hour) + hourMs).toISOString();
    const rows = await statementOfRun(deadline, statementTimeoutMs, (timeoutMs) =>
      database.query<{ rolled: number }>(rollUpHour, [hour, end, ...deliveryCodes], { timeoutMs }),
    );
    // An hour cut off by the run's deadline is the next run's to roll up (its statement left nothing).
    if (rows === undefined) return { ...result, complete: false };
    result.rolled += rows[0]?.rolled ?? 0;
  }
  return result;
}

export interface HealthRollupDependencies {
  config: Parsed<RetentionConfig>;
  database: () => Database;
  now?: () => Date;
  log?: Logger;
  /** How long one run takes new hours (Netlify stops a scheduled function at 30 s). */
  budgetMs?: number;
}

const rollupBudgetMs = 25_000;

/** The scheduled step: one bounded run, logged. */
export function createHealthRollup({
  config,
  database,
  now = () => new Date(),
  log = jsonLogger,
  budgetMs = rollupBudgetMs,
}: HealthRollupDependencies) {
  return async function rollUpHealthFigures(): Promise<HealthRollupResult | undefined> {
    if (!config.ok) {
      log("error", "health rollup", { outcome: "misconfigured", problems: messagesOf(config.problems) });
      return undefined;
    }
    const started = performance.now();
    try {
      const result = await rollUpHealth(database(), {
        now: now(),
        retentionDays: config.config.retentionDays,
        deadline: started + budgetMs,
      });
      log("info", "health rollup", {
        outcome: result.complete ? "rolled_up" : "more_to_roll_up",
        ...result,
        durationMs: Math.round(performance.now() - started),
      });
      return result;
    } catch (error) {
      log("error", "health rollup", {
        outcome: "failed",
        durationMs: Math.round(performance.now() - started),
        errors: [messageOf(error)],
      });
      return undefined;
    }
  };
}
