/**
 * Hourly: deletes transaction records older than TRANSACTION_RETENTION_DAYS (default 7), and the
 * duplicate-event claims of days before yesterday. Each run stops taking work after 25 s (Netlify
 * allows a scheduled function 30 s); the next run resumes.
 */
import type { Config } from "@netlify/functions";
import { loadConfig, parseRetentionConfig } from "../../src/config.ts";
import { createRetentionSweep } from "../../src/handlers/transaction-retention.ts";
import { jsonLogger } from "../../src/log.ts";
import { createDuplicateEvents, netlifyClaimStore } from "../../src/storage/duplicate-events.ts";
import { netlifyTransactionStore } from "../../src/storage/transaction-store.ts";

const sweepTransactions = createRetentionSweep({
  config: loadConfig(parseRetentionConfig),
  transactions: netlifyTransactionStore,
  duplicates: createDuplicateEvents({ store: netlifyClaimStore, log: jsonLogger }),
});

export default async (): Promise<Response> => {
  await sweepTransactions();
  return new Response(null, { status: 204 });
};

export const config: Config = { schedule: "@hourly" };
