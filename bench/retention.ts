/**
 * The retention sweep at a busy org's scale: a day of expired requests, delivery statuses and
 * claims in Netlify's local database engine (PGlite, migrated), every statement made 20 ms slower
 * (a round trip to Netlify Database), then sweep runs as the hourly schedule makes them, each
 * starting no batch after its 25 s budget. It reports what one run clears and how many runs the
 * day's backlog takes.
 */
import { PGlite } from "@electric-sql/pglite";
import { parseRetentionConfig } from "../src/config.ts";
import { createRetentionSweep, type SweepResult } from "../src/handlers/transaction-retention.ts";
import type { Logger } from "../src/log.ts";
import type { Database } from "../src/storage/database.ts";
import { createDuplicateEvents } from "../src/storage/duplicate-events.ts";
import { databaseTransactionStore } from "../src/storage/transaction-store.ts";
import { withinMs } from "../src/support/deadline.ts";
import { migrate } from "../tools/local-database.ts";

export interface RetentionBench {
  /** Okta requests answered that day (each with its send status, a delivered callback and a claim). */
  records: number;
  latencyMs: number;
  budgetMs: number;
  seedSeconds: number;
  runs: (SweepResult & { seconds: number })[];
}

const quiet: Logger = () => {};

/** A PGlite database as the functions see Netlify Database: each statement `latencyMs` later. */
export function withLatency(pglite: PGlite, latencyMs: number): Database {
  return {
    query: (text, params, { timeoutMs }) =>
      withinMs(timeoutMs, async () => {
        await new Promise((resolve) => setTimeout(resolve, latencyMs));
        return (await pglite.query(text, [...params])).rows as never;
      }),
  };
}

export async function retentionBench({
  records,
  latencyMs = 20,
  budgetMs = 25_000,
  maxRuns = 6,
}: {
  records: number;
  latencyMs?: number;
  budgetMs?: number;
  maxRuns?: number;
}): Promise<RetentionBench> {
  const pglite = await PGlite.create();
  try {
    await migrate(pglite);
    // Seeded in three statements at full speed: only the sweep pays the latency.
    const seeded = performance.now();
    const day = "'2026-01-01T12:00:00Z'::timestamptz";
    await pglite.query(
      "INSERT INTO okta_requests (received_at, event_id, channel, phone_masked, country_code, outcome, reference_id, telesign_code, duration_ms) " +
        `SELECT ${day}, 'bench-event-' || n, 'sms', '+1******0100', '1', 'accepted', lpad(upper(to_hex(n)), 32, '0'), 3001, 180 ` +
        "FROM generate_series(1, $1::int) n",
      [records],
    );
    await pglite.query(
      "INSERT INTO delivery_statuses (reference_id, code, description, updated_on, dated, source, recorded_at) " +
        `SELECT lpad(upper(to_hex(n)), 32, '0'), code, 'status', '2026-01-01T12:00:0' || code % 10 || 'Z', true, ` +
        `CASE WHEN code = 3001 THEN 'send' ELSE 'callback' END, ${day} ` +
        "FROM generate_series(1, $1::int) n, (VALUES (3001), (3000)) AS codes(code)",
      [records],
    );
    await pglite.query(
      "INSERT INTO event_claims (event_key, holder, state, answer, claimed_at, expires_at) " +
        `SELECT 'bench-event-' || n, 'bench', 'answered', '{}'::jsonb, ${day}, ${day} + interval '5 minutes' ` +
        "FROM generate_series(1, $1::int) n",
      [records],
    );
    const seedSeconds = (performance.now() - seeded) / 1000;

    const database = withLatency(pglite, latencyMs);
    const sweep = createRetentionSweep({
      config: parseRetentionConfig({}),
      transactions: () => databaseTransactionStore(() => database),
      duplicates: createDuplicateEvents({ database: () => database, log: quiet }),
      now: () => new Date("2026-01-10T08:00:00Z"),
      log: quiet,
      budgetMs,
    });
    const runs: RetentionBench["runs"] = [];
    for (let run = 0; run < maxRuns; run++) {
      const started = performance.now();
      const result = await sweep();
      if (result === undefined) throw new Error("the sweep is misconfigured");
      runs.push({ ...result, seconds: Number(((performance.now() - started) / 1000).toFixed(1)) });
      if (result.complete) break;
    }
    return { records, latencyMs, budgetMs, seedSeconds: Number(seedSeconds.toFixed(1)), runs };
  } finally {
    await pglite.close();
  }
}
