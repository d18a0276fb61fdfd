/**
 * Hourly: deletes the requests and delivery statuses older than TRANSACTION_RETENTION_DAYS (default
 * 7), and the duplicate-event claims a day after their code expired, in bounded batches. Each run
 * stops starting batches after 25 s (Netlify allows a scheduled function 30 s); the next resumes.
 * Beside it, a step of its own rolls up the health page's closed hours (and deletes the rollups
 * past the retention), bounded the same way: src/console/health-rollup.ts.
 */
import type { Config } from "@netlify/functions";
import { loadConfig, parseRetentionConfig } from "../../src/config.ts";
import { createHealthRollup } from "../../src/console/health-rollup.ts";
import { createRetentionSweep } from "../../src/handlers/transaction-retention.ts";
import { jsonLogger } from "../../src/log.ts";
import { netlifyDatabase } from "../../src/storage/database.ts";
import { createDuplicateEvents } from "../../src/storage/duplicate-events.ts";
import { databaseFraudRetention } from "../../src/storage/fraud-store.ts";
import { netlifyTransactionStore } from "../../src/storage/transaction-store.ts";

const retentionConfig = loadConfig(parseRetentionConfig);

const sweepTransactions = createRetentionSweep({
  config: retentionConfig,
  transactions: netlifyTransactionStore,
  duplicates: createDuplicateEvents({ database: netlifyDatabase, log: jsonLogger }),
  fraud: databaseFraudRetention(netlifyDatabase),
});

const rollUpHealthFigures = createHealthRollup({ config: retentionConfig, database: netlifyDatabase });

export default async (): Promise<Response> => {
  await Promise.all([sweepTransactions(), rollUpHealthFigures()]);
  return new Response(null, { status: 204 });
};

export const config: Config = { schedule: "@hourly" };
