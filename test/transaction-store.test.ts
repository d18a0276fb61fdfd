import { describe, expect, it } from "vitest";
import { oktaReadingOf } from "../src/storage/transaction-record.ts";
import { databaseTransactionStore, maxDescriptionLength } from "../src/storage/transaction-store.ts";
import { useDatabase } from "./support/database.ts";
import { acceptedRequest } from "./support/records.ts";

const db = useDatabase({ access: "neon-http" });

const referenceId = "35C8B5D509BC10689196FED2AD551B8A";
const send = {
  referenceId,
  eventId: "uS5871kJThSsU8qlA1LTcg",
  oktaRequestId: "reqRgSk8IBBRhuo0YdlEDTmUw",
  requestType: "com.okta.user.telephony.mfa-verification",
  channel: "sms" as const,
  phone: "+1******3210",
  status: { code: 3001, description: "Message in progress", updatedOn: "2026-01-05T10:00:00.100Z" },
};
const delivered = {
  code: 3000,
  description: "Delivered",
  updatedOn: "2026-01-05T10:00:02.000Z",
  source: "callback" as const,
  lastChannel: "sms",
};
const atGateway = {
  code: 3002,
  description: "Delivered to gateway",
  updatedOn: "2026-01-05T10:00:01.000Z",
  source: "callback" as const,
};

function clock(iso: string) {
  return () => new Date(iso);
}

describe("the transaction store on Netlify Database", () => {
  it("records a send, then callbacks, findable by reference id and by Okta's eventId", async () => {
    const transactions = databaseTransactionStore(db.database, { now: clock("2026-01-05T10:00:00.200Z") });
    await transactions.recordRequest(acceptedRequest(send));
    await transactions.recordStatus(referenceId, delivered);
    const record = await transactions.get(referenceId);
    expect(record).toEqual({
      referenceId,
      eventId: "uS5871kJThSsU8qlA1LTcg",
      oktaRequestId: "reqRgSk8IBBRhuo0YdlEDTmUw",
      requestType: "com.okta.user.telephony.mfa-verification",
      channel: "sms",
      phone: "+1******3210",
      createdAt: "2026-01-05T10:00:00.200Z",
      updatedAt: "2026-01-05T10:00:00.200Z",
      history: [
        { code: 3001, description: "Message in progress", updatedOn: "2026-01-05T10:00:00.100Z", source: "send" },
        delivered,
      ],
    });
    expect(await transactions.getByEventId("uS5871kJThSsU8qlA1LTcg")).toEqual(record);
  });

  it("keeps one consistent record when the callbacks come first, twice, and out of order", async () => {
    const transactions = databaseTransactionStore(db.database);
    await transactions.recordStatus(referenceId, delivered, { eventId: send.eventId });
    await transactions.recordStatus(referenceId, delivered);
    await transactions.recordStatus(referenceId, atGateway);
    await transactions.recordRequest(acceptedRequest(send));
    const record = await transactions.get(referenceId);
    expect(record?.history.map((entry) => entry.code)).toEqual([3001, 3002, 3000]);
    expect(record).toMatchObject({ eventId: send.eventId, phone: "+1******3210", channel: "sms" });
    expect((await transactions.getByEventId(send.eventId))?.referenceId).toBe(referenceId);
  });

  it("loses no write when writers on separate instances race, and keeps one copy of duplicates", async () => {
    const instances = [
      databaseTransactionStore(db.database),
      databaseTransactionStore(db.database),
      databaseTransactionStore(db.database),
    ];
    const statuses = Array.from({ length: 6 }, (_, index) => ({
      code: 3002,
      description: "Delivered to gateway",
      updatedOn: `2026-01-05T10:00:0${index}.000Z`,
      source: "callback" as const,
    }));
    await Promise.all([
      instances[0]?.recordRequest(acceptedRequest(send)),
      ...statuses.flatMap((status) => instances.map((transactions) => transactions.recordStatus(referenceId, status))),
    ]);
    const record = await instances[0]?.get(referenceId);
    expect(record?.history).toHaveLength(7);
    expect(record?.eventId).toBe(send.eventId);
  });

  it("answers nothing for what it does not know", async () => {
    const transactions = databaseTransactionStore(db.database);
    expect(await transactions.get(referenceId)).toBeUndefined();
    expect(await transactions.getByEventId("unknown")).toBeUndefined();
  });

  it("deletes the requests and statuses stored before the cutoff, and keeps the rest", async () => {
    const old = databaseTransactionStore(db.database, { now: clock("2026-01-01T23:59:00.000Z") });
    const recent = databaseTransactionStore(db.database, { now: clock("2026-01-05T00:01:00.000Z") });
    const oldSend = { ...send, referenceId: "0".repeat(32), eventId: "old-event" };
    await old.recordRequest(
      acceptedRequest({ ...oldSend, status: { ...send.status, updatedOn: "2026-01-01T23:58:00.000Z" } }),
    );
    await old.recordStatus("1".repeat(32), delivered);
    await recent.recordRequest(
      acceptedRequest({ ...send, status: { ...send.status, updatedOn: "2026-01-05T00:00:59.000Z" } }),
    );

    expect(await recent.deleteRecordedBefore(new Date("2026-01-04T00:00:00.000Z"))).toEqual({
      done: 3, // the old request, its send status, the old callback
      complete: true,
    });
    expect(await recent.get("0".repeat(32))).toBeUndefined();
    expect(await recent.get("1".repeat(32))).toBeUndefined();
    expect(await recent.getByEventId("old-event")).toBeUndefined();
    expect(await recent.get(referenceId)).toBeDefined();
    expect(await db.sql("SELECT reference_id FROM okta_requests")).toEqual([{ reference_id: referenceId }]);
    expect(await db.sql("SELECT reference_id FROM delivery_statuses")).toEqual([{ reference_id: referenceId }]);
  });

  it("deletes a backlog in bounded batches that a later run resumes", async () => {
    const { deleteInBatches } = await import("../src/storage/retention.ts");
    await db.sql(
      "INSERT INTO okta_requests (received_at, outcome, duration_ms) " +
        "SELECT '2026-01-01T00:00:00Z'::timestamptz + n * interval '1 second', 'accepted', 100 FROM generate_series(1, 25) n",
    );
    const before = new Date("2026-01-02T00:00:00.000Z");
    const table = { table: "okta_requests", column: "received_at", before, batchSize: 10 };
    // A run whose deadline has passed starts no batch; then one that has the time deletes all, ten at a time.
    expect(await deleteInBatches(db.database(), { ...table, deadline: performance.now() - 1 })).toEqual({
      done: 0,
      complete: false,
    });
    expect(await deleteInBatches(db.database(), { ...table, deadline: performance.now() + 60_000 })).toEqual({
      done: 25,
      complete: true,
    });
    expect(await db.sql("SELECT count(*)::int AS n FROM okta_requests")).toEqual([{ n: 0 }]);
  });

  it("keeps distinct eventIds apart, whatever their characters", async () => {
    const transactions = databaseTransactionStore(db.database);
    const eventIds = ["", ".", "..", "a/../b", "b", "a/b", "a%2Fb", "'; DROP TABLE okta_requests; --"];
    for (const [n, eventId] of eventIds.entries()) {
      await transactions.recordRequest(acceptedRequest({ ...send, referenceId: String(n).repeat(32), eventId }));
    }
    for (const [n, eventId] of eventIds.entries()) {
      expect((await transactions.getByEventId(eventId))?.referenceId).toBe(String(n).repeat(32));
    }
  });

  it("stores outside text with half a surrogate pair (valid JSON, not Unicode), which Neon refuses with the whole statement", async () => {
    const transactions = databaseTransactionStore(db.database);
    const long = `${"x".repeat(maxDescriptionLength - 1)}\u{1F4F1}`; // the cut falls inside the emoji's pair
    await transactions.recordRequest(acceptedRequest({ ...send, eventId: "lone\ud800id" }));
    await transactions.recordStatus(referenceId, { ...delivered, description: long, updatedOn: "\udc00" });
    const record = await transactions.getByEventId("lone\ud800id");
    expect(record?.eventId).toBe("lone\ufffdid");
    expect(record?.history.at(-1)).toMatchObject({
      description: `${"x".repeat(maxDescriptionLength - 1)}\ufffd`,
      updatedOn: "\ufffd",
    });
  });

  it("refuses a reference id that is not Telesign's: nothing is stored under it", async () => {
    const transactions = databaseTransactionStore(db.database);
    for (const hostile of ["..", "../event/x", `${referenceId}/..`, "", "35c8b5d509bc10689196fed2ad551b8a"]) {
      await expect(transactions.recordStatus(hostile, delivered)).rejects.toThrow();
      expect(await transactions.get(hostile)).toBeUndefined();
    }
    expect(await db.sql("SELECT * FROM delivery_statuses")).toEqual([]);
  });
});

describe("oktaReadingOf", () => {
  it.each([
    [3000, "SUCCESSFUL"],
    [3004, "SUCCESSFUL"],
    [3005, "SUCCESSFUL"],
    [3001, "PENDING"],
    [3002, "PENDING"],
    [3039, "PENDING"],
    [3040, "PENDING"],
    [3003, "FAILED"],
    [3031, "FAILED"],
    [3041, "FAILED"],
    [3056, "FAILED"],
    [3072, "FAILED"],
    [3306, "FAILED"],
    [9999, "PENDING"],
  ])("%i → %s", (code, reading) => {
    expect(oktaReadingOf(code)).toBe(reading);
  });
});
