import { describe, expect, it } from "vitest";
import { parseRetentionConfig } from "../src/config.ts";
import { createRetentionSweep } from "../src/transaction-retention.ts";
import { blobsTransactionStore } from "../src/transactions/transaction-store.ts";
import { useBlobsServer } from "./support/blobs.ts";
import { capturedLines, logLinesSince } from "./support/log-capture.ts";

const { blobsStore } = useBlobsServer();

const sendOn = (day: string, referenceId: string) => ({
  referenceId,
  eventId: `event-${day}`,
  channel: "sms" as const,
  phone: "+1******3210",
  status: { code: 3001, description: "Message in progress", updatedOn: `${day}T12:00:00.000Z` },
});

describe("the retention sweep", () => {
  it("deletes records older than TRANSACTION_RETENTION_DAYS and logs how many", async () => {
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
    expect(await sweep()).toBe(2);
    expect(await transactions.getByEventId("event-2026-01-01")).toBeUndefined();
    expect(await transactions.getByEventId("event-2026-01-03")).toBeUndefined();
    expect(await transactions.getByEventId("event-2026-01-06")).toBeDefined();
    expect(await transactions.getByEventId("event-2026-01-10")).toBeDefined();
    expect(logLinesSince(from)).toMatchObject([
      { message: "transaction retention", outcome: "swept", deleted: 2, cutoff: "2026-01-05" },
    ]);
  });

  it("keeps seven days by default", () => {
    expect(parseRetentionConfig({})).toEqual({ ok: true, config: { retentionDays: 7 } });
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
});
