import { delay } from "msw";
import { describe, expect, it } from "vitest";
import { parseRetentionConfig } from "../src/config.ts";
import { createRetentionSweep } from "../src/handlers/transaction-retention.ts";
import { jsonLogger } from "../src/log.ts";
import { telephonyAction } from "../src/okta/telephony-response.ts";
import type { Database } from "../src/storage/database.ts";
import { createDuplicateEvents } from "../src/storage/duplicate-events.ts";
import { databaseTransactionStore, type TransactionStore } from "../src/storage/transaction-store.ts";
import { DeadlineExceeded } from "../src/support/deadline.ts";
import { useDatabase } from "./support/database.ts";
import { capturedLines, logLinesSince } from "./support/log-capture.ts";
import { acceptedRequest } from "./support/records.ts";

const db = useDatabase({ access: "neon-http" });

const reply = telephonyAction({
  status: "SUCCESSFUL",
  provider: "Telesign",
  transactionId: "",
  transactionMetadata: "",
});

/** Duplicate-event claims taken and settled by the hook, one per eventId, whose code expires at `expiresAt`. */
async function claimsExpiringAt(expiresAt: string, eventIds: string[]) {
  const duplicates = createDuplicateEvents({ database: db.database, log: jsonLogger });
  for (const eventId of eventIds) {
    const claim = await duplicates.claim({
      eventId,
      expiresAt: Date.parse(expiresAt),
      deadline: performance.now() + 2_000,
    });
    if (claim.kind === "first") await claim.settle(reply, true);
  }
}

const storeOn = (day: string) => databaseTransactionStore(db.database, { now: () => new Date(`${day}T12:00:00.000Z`) });

const sendOn = (day: string, referenceId: string) => ({
  referenceId,
  eventId: `event-${day}`,
  channel: "sms" as const,
  phone: "+1******3210",
  status: { code: 3001, description: "Message in progress", updatedOn: `${day}T12:00:00.000Z` },
});

describe("the retention sweep", () => {
  it("deletes records older than TRANSACTION_RETENTION_DAYS and logs how many went", async () => {
    for (const day of ["2026-01-01", "2026-01-03", "2026-01-06", "2026-01-10"]) {
      await storeOn(day).recordRequest(acceptedRequest(sendOn(day, day.replaceAll("-", "").padEnd(32, "0"))));
    }
    const transactions = databaseTransactionStore(db.database);
    const sweep = createRetentionSweep({
      config: parseRetentionConfig({ TRANSACTION_RETENTION_DAYS: "5" }),
      transactions: () => transactions,
      now: () => new Date("2026-01-10T08:00:00.000Z"),
    });
    const from = capturedLines.length;
    expect(await sweep()).toEqual({ records: 4, claims: 0, complete: true }); // two requests, their two sends
    expect(await transactions.getByEventId("event-2026-01-01")).toBeUndefined();
    expect(await transactions.getByEventId("event-2026-01-03")).toBeUndefined();
    expect(await transactions.getByEventId("event-2026-01-06")).toBeDefined();
    expect(await transactions.getByEventId("event-2026-01-10")).toBeDefined();
    expect(logLinesSince(from)).toMatchObject([
      { message: "transaction retention", outcome: "swept", records: 4, cutoff: "2026-01-05" },
    ]);
  });

  it("keeps seven days by default", () => {
    expect(parseRetentionConfig({})).toEqual({ ok: true, config: { retentionDays: 7 }, warnings: [] });
  });

  it("deletes nothing and logs why when misconfigured", async () => {
    const transactions = storeOn("2020-01-01");
    await transactions.recordRequest(acceptedRequest(sendOn("2020-01-01", "F".repeat(32))));
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

  it("deletes the duplicate-event claims a day after their code expired, whenever they were taken", async () => {
    await claimsExpiringAt("2026-01-08T23:00:00.000Z", ["old-1", "old-2"]);
    await claimsExpiringAt("2026-01-09T09:00:00.000Z", ["yesterday"]);
    await claimsExpiringAt("2026-01-10T07:55:00.000Z", ["today"]);
    // A claim that landed after its request gave up waiting (slow database) is swept all the same.
    await db.sql(
      "INSERT INTO event_claims (event_key, holder, state, claimed_at, expires_at) " +
        "VALUES ('late', 'lost', 'sending', '2026-01-01T00:00:00Z', '2026-01-01T00:15:00Z')",
    );
    const sweep = createRetentionSweep({
      config: parseRetentionConfig({}),
      transactions: () => databaseTransactionStore(db.database),
      duplicates: createDuplicateEvents({ database: db.database, log: jsonLogger }),
      now: () => new Date("2026-01-10T08:00:00.000Z"),
    });
    expect(await sweep()).toEqual({ records: 0, claims: 3, complete: true });
    expect(await db.sql("SELECT count(*)::int AS kept FROM event_claims")).toEqual([{ kept: 2 }]);
  });

  it("a run cut short by its time budget says so, and the next run resumes where it stopped", async () => {
    const old = storeOn("2026-01-01");
    for (let n = 0; n < 20; n++) {
      await old.recordRequest(acceptedRequest(sendOn("2026-01-01", n.toString(16).toUpperCase().padStart(32, "A"))));
    }
    const sweep = (budgetMs?: number) =>
      createRetentionSweep({
        config: parseRetentionConfig({}),
        transactions: () => databaseTransactionStore(db.database),
        now: () => new Date("2026-01-10T08:00:00.000Z"),
        budgetMs,
      })();
    const from = capturedLines.length;
    expect(await sweep(0)).toEqual({ records: 0, claims: 0, complete: false });
    expect(logLinesSince(from)).toMatchObject([{ outcome: "more_to_sweep" }]);
    expect(await sweep()).toEqual({ records: 40, claims: 0, complete: true });
    expect(await db.sql("SELECT * FROM okta_requests")).toEqual([]);
  });

  it("a backlog of records never starves the claims sweep", async () => {
    await claimsExpiringAt("2026-01-01T00:15:00.000Z", ["old-1", "old-2", "old-3"]);
    // A records sweep that takes the whole run: it ends only once the claims are gone.
    const backlog = {
      async deleteRecordedBefore() {
        while ((await db.sql("SELECT 1 FROM event_claims")).length > 0) await delay(10);
        return { done: 1000, complete: false };
      },
    } as unknown as TransactionStore;
    const sweep = createRetentionSweep({
      config: parseRetentionConfig({}),
      transactions: () => backlog,
      duplicates: createDuplicateEvents({ database: db.database, log: jsonLogger }),
      now: () => new Date("2026-01-10T08:00:00.000Z"),
    });
    expect(await sweep()).toEqual({ records: 1000, claims: 3, complete: false });
  });

  describe("a batch cut off at its bound", () => {
    /**
     * A database whose every statement outlives its bound. Its DeadlineExceeded comes at once, as a
     * timer may fire early (Node's timers round a bound down, and fire up to a millisecond early):
     * whether the bound was the run's deadline must not depend on the clock read afterwards.
     */
    const cutOff: Database = {
      query: (_text, _params, { timeoutMs }) =>
        Promise.reject(new DeadlineExceeded(`no answer within ${timeoutMs} ms`)),
    };
    const sweep = (budgetMs: number) =>
      createRetentionSweep({
        config: parseRetentionConfig({}),
        transactions: () => databaseTransactionStore(() => cutOff),
        now: () => new Date("2026-01-10T08:00:00.000Z"),
        budgetMs,
      })();

    it("by the run's deadline is no false alarm: the run says there is more to sweep, at info level", async () => {
      const from = capturedLines.length;
      expect(await sweep(5_000)).toEqual({ records: 0, claims: 0, complete: false });
      expect(logLinesSince(from)).toMatchObject([
        { level: "info", message: "transaction retention", outcome: "more_to_sweep" },
      ]);
    });

    it("by its own 10 s bound, long before the deadline, is a failure, logged as one", async () => {
      const from = capturedLines.length;
      expect(await sweep(60_000)).toEqual({ records: 0, claims: 0, complete: false });
      expect(logLinesSince(from)).toMatchObject([
        {
          level: "error",
          message: "transaction retention",
          outcome: "failed",
          errors: [expect.stringMatching(/10000 ms/)],
        },
      ]);
    });
  });
});
