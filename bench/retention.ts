/**
 * The retention sweep at a busy org's scale: a day of expired records and claims in Netlify's own
 * local Blobs server, every store call made 20 ms slower (a round trip to Netlify's store), then
 * sweep runs as the hourly schedule makes them, each stopping to take work at its 25 s budget.
 * It reports what one run clears and how many runs the day's backlog takes.
 */
import { startLocalBlobs } from "../scripts/local-blobs.ts";
import { parseRetentionConfig } from "../src/config.ts";
import { createRetentionSweep, type SweepResult } from "../src/handlers/transaction-retention.ts";
import type { Logger } from "../src/log.ts";
import { telephonyAction } from "../src/okta/telephony-response.ts";
import { createDuplicateEvents } from "../src/storage/duplicate-events.ts";
import { blobsTransactionStore } from "../src/storage/transaction-store.ts";

export interface RetentionBench {
  records: number;
  latencyMs: number;
  budgetMs: number;
  seedSeconds: number;
  runs: (SweepResult & { seconds: number })[];
}

const day = "2026-01-01";
const answer = telephonyAction({
  status: "SUCCESSFUL",
  provider: "Telesign",
  transactionId: "",
  transactionMetadata: "",
});
const quiet: Logger = () => {};

/** Runs `work` over 0..count-1, `concurrency` at a time. */
async function times(count: number, concurrency: number, work: (n: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await work(next++);
    }),
  );
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
  const blobs = await startLocalBlobs();
  try {
    // Seeded at full speed: only the sweep pays the latency.
    const seeded = performance.now();
    const oldRecords = blobsTransactionStore(blobs.store("transactions"), () => new Date(`${day}T12:00:00Z`));
    const claims = createDuplicateEvents({
      store: () => blobs.store("claims"),
      log: quiet,
      now: () => new Date(`${day}T12:00:00Z`),
    });
    await times(records, 32, async (n) => {
      const referenceId = n.toString(16).toUpperCase().padStart(32, "0");
      const eventId = `bench-event-${n}`;
      await oldRecords.recordSend({
        referenceId,
        eventId,
        channel: "sms",
        phone: "+1******0100",
        status: { code: 3001, description: "Message in progress", updatedOn: `${day}T12:00:00Z` },
      });
      await oldRecords.recordStatus(referenceId, {
        code: 3000,
        description: "Delivered",
        updatedOn: `${day}T12:00:03Z`,
        source: "callback",
      });
      const claim = await claims.claim({
        eventId,
        expiresAt: Date.now() + 60_000,
        deadline: performance.now() + 5_000,
      });
      if (claim.kind === "first") await claim.settle(answer, true);
    });
    const seedSeconds = (performance.now() - seeded) / 1000;

    const sweep = createRetentionSweep({
      config: parseRetentionConfig({}),
      transactions: () => blobsTransactionStore(blobs.store("transactions", { latencyMs })),
      duplicates: createDuplicateEvents({ store: () => blobs.store("claims", { latencyMs }), log: quiet }),
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
    await blobs.stop();
  }
}
