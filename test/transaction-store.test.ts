import { describe, expect, it } from "vitest";
import { idSegment } from "../src/storage/store-key.ts";
import { oktaReadingOf } from "../src/storage/transaction-record.ts";
import { blobsTransactionStore } from "../src/storage/transaction-store.ts";
import { useBlobsServer } from "./support/blobs.ts";

const { blobsStore } = useBlobsServer();

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

describe("the transaction store on Netlify Blobs", () => {
  it("records a send, then callbacks, findable by reference id and by Okta's eventId", async () => {
    const transactions = blobsTransactionStore(blobsStore(), clock("2026-01-05T10:00:00.200Z"));
    await transactions.recordSend(send);
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
    const transactions = blobsTransactionStore(blobsStore());
    await transactions.recordStatus(referenceId, delivered, { eventId: send.eventId });
    await transactions.recordStatus(referenceId, delivered);
    await transactions.recordStatus(referenceId, atGateway);
    await transactions.recordSend(send);
    const record = await transactions.get(referenceId);
    expect(record?.history.map((entry) => entry.code)).toEqual([3001, 3002, 3000]);
    expect(record).toMatchObject({ eventId: send.eventId, phone: "+1******3210", channel: "sms" });
    expect((await transactions.getByEventId(send.eventId))?.referenceId).toBe(referenceId);
  });

  it("loses no write when writers on separate instances race, and keeps one copy of duplicates", async () => {
    const store = blobsStore();
    const instances = [blobsTransactionStore(store), blobsTransactionStore(store), blobsTransactionStore(store)];
    const statuses = Array.from({ length: 6 }, (_, index) => ({
      code: 3002,
      description: "Delivered to gateway",
      updatedOn: `2026-01-05T10:00:0${index}.000Z`,
      source: "callback" as const,
    }));
    await Promise.all([
      ...instances.map((transactions) => transactions.recordSend(send)),
      ...statuses.flatMap((status) => instances.map((transactions) => transactions.recordStatus(referenceId, status))),
    ]);
    const record = await instances[0]?.get(referenceId);
    expect(record?.history).toHaveLength(7);
    expect(record?.eventId).toBe(send.eventId);
  });

  it("answers nothing for what it does not know", async () => {
    const transactions = blobsTransactionStore(blobsStore());
    expect(await transactions.get(referenceId)).toBeUndefined();
    expect(await transactions.getByEventId("unknown")).toBeUndefined();
  });

  it("deletes records created before the cutoff's day, with their indexes, and keeps the rest", async () => {
    const store = blobsStore();
    const old = blobsTransactionStore(store, clock("2026-01-01T23:59:00.000Z"));
    const recent = blobsTransactionStore(store, clock("2026-01-05T00:01:00.000Z"));
    await old.recordSend({ ...send, referenceId: "0".repeat(32), eventId: "old-event" });
    await old.recordStatus("1".repeat(32), delivered);
    await recent.recordSend(send);

    expect(await recent.deleteCreatedBefore(new Date("2026-01-04T12:00:00.000Z"))).toEqual({
      done: 2, // facts: the old send and the old status
      complete: true,
    });
    expect(await recent.get("0".repeat(32))).toBeUndefined();
    expect(await recent.get("1".repeat(32))).toBeUndefined();
    expect(await recent.getByEventId("old-event")).toBeUndefined();
    expect(await recent.get(referenceId)).toBeDefined();
    const { blobs } = await store.list();
    expect(blobs.map((blob) => blob.key).sort()).toEqual([
      `created/2026-01-05/event/${idSegment(send.eventId)}`,
      `created/2026-01-05/reference/${referenceId}/send`,
      `event/${idSegment(send.eventId)}`,
      `reference/${referenceId}/send`,
    ]);
  });

  it("keeps distinct eventIds apart that a URL path would collapse (empty, dot segments, slashes)", async () => {
    const transactions = blobsTransactionStore(blobsStore());
    const eventIds = ["", ".", "..", "a/../b", "b", "a/b", "a%2Fb"];
    for (const [n, eventId] of eventIds.entries()) {
      await transactions.recordSend({ ...send, referenceId: String(n).repeat(32), eventId });
    }
    for (const [n, eventId] of eventIds.entries()) {
      expect((await transactions.getByEventId(eventId))?.referenceId).toBe(String(n).repeat(32));
    }
  });

  it("refuses a reference id that is not Telesign's, rather than build a key from it", async () => {
    const store = blobsStore();
    const transactions = blobsTransactionStore(store);
    for (const hostile of ["..", "../event/x", `${referenceId}/..`, ""]) {
      await expect(transactions.recordSend({ ...send, referenceId: hostile })).rejects.toThrow(TypeError);
      await expect(transactions.get(hostile)).rejects.toThrow(TypeError);
    }
    expect((await store.list()).blobs).toEqual([]);
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
