import { delay } from "msw";
import { describe, expect, it } from "vitest";
import { parseRetentionConfig } from "../src/config.ts";
import { createRetentionSweep } from "../src/handlers/transaction-retention.ts";
import { jsonLogger } from "../src/log.ts";
import { telephonyAction } from "../src/okta/telephony-response.ts";
import { createDuplicateEvents } from "../src/storage/duplicate-events.ts";
import { blobsTransactionStore, type TransactionStore } from "../src/storage/transaction-store.ts";
import { useBlobsServer } from "./support/blobs.ts";
import { capturedLines, logLinesSince } from "./support/log-capture.ts";

const { blobsStore } = useBlobsServer();

const answer = telephonyAction({
  status: "SUCCESSFUL",
  provider: "Telesign",
  transactionId: "",
  transactionMetadata: "",
});

/** Duplicate-event claims taken by the hook on `day` (by its own clock), one per eventId. */
async function claimsTakenOn(store: ReturnType<typeof blobsStore>, day: string, eventIds: string[]) {
  const duplicates = createDuplicateEvents({
    store: () => store,
    log: jsonLogger,
    now: () => new Date(`${day}T12:00:00Z`),
  });
  for (const eventId of eventIds) {
    const claim = await duplicates.claim({
      eventId,
      expiresAt: Date.now() + 60_000,
      deadline: performance.now() + 2_000,
    });
    if (claim.kind === "first") await claim.settle(answer, true);
  }
}

const sendOn = (day: string, referenceId: string) => ({
  referenceId,
  eventId: `event-${day}`,
  channel: "sms" as const,
  phone: "+1******3210",
  status: { code: 3001, description: "Message in progress", updatedOn: `${day}T12:00:00.000Z` },
});

describe("the retention sweep", () => {
  it("deletes records older than TRANSACTION_RETENTION_DAYS and logs how many facts went", async () => {
    const store = blobsStore();
    for (const day of ["2026-01-01", "2026-01-03", "2026-01-06", "2026-01-10"]) {
      await blobsTransactionStore(store, () => new Date(`${day}T12:00:00.000Z`)).recordSend(
        sendOn(day, day.replaceAll("-", "").padEnd(32, "0")),
      );
    }
    const transactions = blobsTransactionStore(store);
    const sweep = createRetentionSweep({
      config: parseRetentionConfig({ TRANSACTION_RETENTION_DAYS: "5" }),
      transactions: () => transactions,
      now: () => new Date("2026-01-10T08:00:00.000Z"),
    });
    const from = capturedLines.length;
    expect(await sweep()).toEqual({ facts: 2, claims: 0, complete: true });
    expect(await transactions.getByEventId("event-2026-01-01")).toBeUndefined();
    expect(await transactions.getByEventId("event-2026-01-03")).toBeUndefined();
    expect(await transactions.getByEventId("event-2026-01-06")).toBeDefined();
    expect(await transactions.getByEventId("event-2026-01-10")).toBeDefined();
    expect(logLinesSince(from)).toMatchObject([
      { message: "transaction retention", outcome: "swept", facts: 2, cutoff: "2026-01-05" },
    ]);
  });

  it("keeps seven days by default", () => {
    expect(parseRetentionConfig({})).toEqual({ ok: true, config: { retentionDays: 7 }, warnings: [] });
  });

  it("deletes nothing and logs why when misconfigured", async () => {
    const store = blobsStore();
    const transactions = blobsTransactionStore(store, () => new Date("2020-01-01T00:00:00.000Z"));
    await transactions.recordSend(sendOn("2020-01-01", "F".repeat(32)));
    const from = capturedLines.length;
    const sweep = createRetentionSweep({
      config: parseRetentionConfig({ TRANSACTION_RETENTION_DAYS: "0" }),
      transactions: () => transactions,
    });
    expect(await sweep()).toBeUndefined();
    expect(await transactions.get("F".repeat(32))).toBeDefined();
    expect(logLinesSince(from)).toMatchObject([
      { level: "error", outcome: "misconfigured", problems: ["TRANSACTION_RETENTION_DAYS must be at least 1"] },
    ]);
  });

  it("deletes the duplicate-event claims of days before yesterday, by the hook's clock, with their index", async () => {
    const claims = blobsStore();
    await claimsTakenOn(claims, "2026-01-07", ["old-1", "old-2"]);
    await claimsTakenOn(claims, "2026-01-09", ["yesterday"]);
    await claimsTakenOn(claims, "2026-01-10", ["today"]);
    const sweep = createRetentionSweep({
      config: parseRetentionConfig({}),
      transactions: () => blobsTransactionStore(blobsStore()),
      duplicates: createDuplicateEvents({ store: () => claims, log: jsonLogger }),
      now: () => new Date("2026-01-10T08:00:00.000Z"),
    });
    expect(await sweep()).toEqual({ facts: 0, claims: 2, complete: true });
    const { blobs } = await claims.list();
    expect(blobs.map(({ key }) => key.split("/")[0])).toEqual(["claimed", "claimed", "claims", "claims"]);
  });

  it("a run cut short by its time budget says so, and the next run resumes where it stopped", async () => {
    const store = blobsStore();
    const old = blobsTransactionStore(store, () => new Date("2026-01-01T12:00:00.000Z"));
    for (let n = 0; n < 20; n++)
      await old.recordSend(sendOn("2026-01-01", n.toString(16).toUpperCase().padStart(32, "A")));
    const sweep = (budgetMs?: number) =>
      createRetentionSweep({
        config: parseRetentionConfig({}),
        transactions: () => blobsTransactionStore(store),
        now: () => new Date("2026-01-10T08:00:00.000Z"),
        budgetMs,
      })();
    const from = capturedLines.length;
    expect(await sweep(0)).toEqual({ facts: 0, claims: 0, complete: false });
    expect(logLinesSince(from)).toMatchObject([{ outcome: "more_to_sweep" }]);
    expect(await sweep()).toEqual({ facts: 20, claims: 0, complete: true });
    expect((await store.list()).blobs).toEqual([]);
  });

  it("a backlog of records never starves the claims sweep", async () => {
    const claims = blobsStore();
    await claimsTakenOn(claims, "2026-01-01", ["old-1", "old-2", "old-3"]);
    // A records sweep that takes the whole run: it ends only once the claims are gone.
    const backlog = {
      async deleteCreatedBefore() {
        while ((await claims.list({ prefix: "claims/" })).blobs.length > 0) await delay(10);
        return { done: 1000, complete: false };
      },
    } as unknown as TransactionStore;
    const sweep = createRetentionSweep({
      config: parseRetentionConfig({}),
      transactions: () => backlog,
      duplicates: createDuplicateEvents({ store: () => claims, log: jsonLogger }),
      now: () => new Date("2026-01-10T08:00:00.000Z"),
    });
    expect(await sweep()).toEqual({ facts: 1000, claims: 3, complete: false });
  });
});
