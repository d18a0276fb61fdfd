import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseCallbackConfig } from "../src/config.ts";
import { createCallbackReceiver } from "../src/handlers/telesign-callback.ts";
import {
  databaseTransactionStore,
  maxDescriptionLength,
  type TransactionStore,
} from "../src/storage/transaction-store.ts";
import { callbackSignatureValid } from "../src/telesign/callback-signature.ts";
import { hmacSignature } from "../src/telesign/request-signing.ts";
import { useDatabase } from "./support/database.ts";
import { capturedLines, logLinesSince } from "./support/log-capture.ts";
import { acceptedRequest } from "./support/records.ts";
import { trickledBody } from "./support/trickle.ts";

const db = useDatabase();

// A known-good vector: Telesign's delivered status, signed with the SDK tests' key.
const vector = {
  credential: { customerId: "FFFFFFFF-EEEE-DDDD-1234-AB1234567890", apiKey: "VGVzdCBLZXk=" },
  body: readFileSync(new URL("./fixtures/telesign/status-delivered.json", import.meta.url)),
  signature: "h2+KOYBpplLVrkz8Zmpfu4nyxI/yujMx47Sku5sw6nY=",
};
const referenceId = "364C82042F68010C91E2B8633BE34860";
const tsa = `TSA ${vector.credential.customerId}:${vector.signature}`;

describe("callbackSignatureValid", () => {
  const valid = (headers: Record<string, string>, body: Uint8Array = vector.body, credential = vector.credential) =>
    callbackSignatureValid(new Headers(headers), body, credential);

  it("matches the known-good vector", () => {
    expect(hmacSignature(vector.credential.apiKey, vector.body)).toBe(vector.signature);
  });

  it.each([
    ["Authorization: TSA id:signature", { authorization: tsa }],
    ["X-TS-Authorization: signature", { "x-ts-authorization": vector.signature }],
    ["X-TS-Authorization: TSA id:signature", { "x-ts-authorization": tsa }],
    ["both headers", { authorization: tsa, "x-ts-authorization": vector.signature }],
    [
      "a wrong Authorization beside a right X-TS-Authorization",
      { authorization: "TSA x:y", "x-ts-authorization": vector.signature },
    ],
  ])("accepts %s", (_, headers) => {
    expect(valid(headers)).toBe(true);
  });

  it.each([
    ["no header", {}],
    ["a bare signature in Authorization", { authorization: vector.signature }],
    ["another customer id", { authorization: `TSA 00000000-0000-0000-0000-000000000000:${vector.signature}` }],
    ["a truncated signature", { authorization: tsa.slice(0, -2) }],
    ["Basic credentials", { authorization: "Basic RkZGRkZGRkY6VkdWemRDQkxaWGs9" }],
  ])("refuses %s", (_, headers) => {
    expect(valid(headers)).toBe(false);
  });

  it("refuses the right signature under another key", () => {
    expect(valid({ authorization: tsa }, vector.body, { ...vector.credential, apiKey: "T3RoZXIgS2V5" })).toBe(false);
  });

  it("refuses a body altered by one byte, or re-serialised", () => {
    const altered = Buffer.from(vector.body);
    altered[altered.length - 3] = (altered[altered.length - 3] ?? 0) ^ 1;
    expect(valid({ authorization: tsa }, altered)).toBe(false);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(vector.body.toString())));
    expect(valid({ authorization: tsa }, reserialised)).toBe(false);
  });
});

/** The receiver, at a time shortly after the vector's status unless told otherwise. */
function receiver(transactions: TransactionStore, now = "2024-11-12T13:20:00.000Z") {
  const config = parseCallbackConfig({
    TELESIGN_CUSTOMER_ID: vector.credential.customerId,
    TELESIGN_API_KEY: vector.credential.apiKey,
  });
  const receive = createCallbackReceiver({
    config,
    transactions: () => transactions,
    now: () => new Date(now),
    stepTimeoutMs: 300,
  });
  return (
    body: Uint8Array | string | ReadableStream,
    headers: Record<string, string> = { authorization: tsa },
    method = "POST",
  ) =>
    receive(
      new Request("https://hook.example/.netlify/functions/telesign-callback", {
        method,
        headers,
        body: method === "GET" ? null : (body as BodyInit),
        ...(body instanceof ReadableStream && { duplex: "half" }),
      }),
    );
}

const signed = (body: string) => ({
  authorization: `TSA ${vector.credential.customerId}:${hmacSignature(vector.credential.apiKey, body)}`,
});
const callback = (code: number, updatedOn: string | undefined, externalId: string | null = "evt-42") =>
  JSON.stringify({
    reference_id: referenceId,
    external_id: externalId,
    status: { code, description: `status ${code}`, updated_on: updatedOn, last_channel: "sms" },
  });

describe("the callback receiver", () => {
  it("stores Telesign's signed status and answers 200", async () => {
    const transactions = databaseTransactionStore(db.database);
    const from = capturedLines.length;
    const response = await receiver(transactions)(vector.body);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true });
    expect(await transactions.get(referenceId)).toMatchObject({
      referenceId,
      history: [
        {
          code: 3000,
          description: "Delivered",
          updatedOn: "2024-11-12T13:12:29.551105Z",
          lastChannel: "sms",
          source: "callback",
        },
      ],
    });
    expect(logLinesSince(from)).toMatchObject([
      { message: "telesign callback", outcome: "stored", referenceId, telesignCode: 3000 },
    ]);
  });

  it.each([
    ["unsigned", {}],
    [
      "signed with another key",
      { authorization: `TSA ${vector.credential.customerId}:${hmacSignature("T3RoZXIgS2V5", vector.body)}` },
    ],
  ])("refuses a callback %s with 401 and stores nothing", async (_, headers) => {
    const response = await receiver(databaseTransactionStore(db.database))(vector.body, headers);
    expect(response.status).toBe(401);
    expect(await db.sql("SELECT * FROM delivery_statuses")).toEqual([]);
  });

  it("refuses a body altered after signing", async () => {
    const altered = vector.body.toString().replace("3000", "3001");
    const response = await receiver(databaseTransactionStore(db.database))(altered);
    expect(response.status).toBe(401);
    expect(await db.sql("SELECT * FROM delivery_statuses")).toEqual([]);
  });

  it("answers 400 to a signed body that is not a callback, and stores nothing", async () => {
    const body = '{"hello":"world"}';
    const response = await receiver(databaseTransactionStore(db.database))(body, signed(body));
    expect(response.status).toBe(400);
    expect(await db.sql("SELECT * FROM delivery_statuses")).toEqual([]);
  });

  it("keeps one consistent history across retries, out-of-order delivery, and the hook's record coming last", async () => {
    const transactions = databaseTransactionStore(db.database);
    const receive = receiver(transactions);
    const delivered = callback(3000, "2024-11-12T13:12:31.000Z");
    const gateway = callback(3002, "2024-11-12T13:12:29.000Z");
    for (const body of [delivered, delivered, gateway, delivered])
      expect((await receive(body, signed(body))).status).toBe(200);
    await transactions.recordRequest(
      acceptedRequest({
        referenceId,
        eventId: "evt-42",
        channel: "sms",
        phone: "+1******3210",
        status: { code: 3001, description: "Message in progress", updatedOn: "2024-11-12T13:12:28.000Z" },
      }),
    );
    const record = await transactions.getByEventId("evt-42");
    expect(record?.history.map((entry) => [entry.code, entry.source])).toEqual([
      [3001, "send"],
      [3002, "callback"],
      [3000, "callback"],
    ]);
  });

  it("a signed callback whose external_id and description hold NUL characters is stored, not refused at every retry", async () => {
    const transactions = databaseTransactionStore(db.database);
    const body = JSON.stringify({
      reference_id: referenceId,
      external_id: "evt\u0000-42",
      status: {
        code: 3000,
        description: `Delivered\u0000${"x".repeat(2_000)}`,
        updated_on: "2024-11-12T13:12:29Z",
        last_channel: "sms\u0000",
      },
    });
    const response = await receiver(transactions)(body, signed(body));
    expect(response.status).toBe(200);
    const [row] = await db.sql<{ event_id: string; description: string; last_channel: string }>(
      "SELECT event_id, description, last_channel FROM delivery_statuses",
    );
    expect(row).toMatchObject({ event_id: "evt\ufffd-42", last_channel: "sms\ufffd" });
    expect(row?.description).toMatch(/^Delivered\ufffdx+$/);
    expect(row?.description.length).toBe(maxDescriptionLength);
  });

  it("answers 405 to anything but POST", async () => {
    const response = await receiver(databaseTransactionStore(db.database))("", {}, "GET");
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
  });

  it("answers 413 to a body over 64 KB", async () => {
    const body = "x".repeat(64 * 1024 + 1);
    expect((await receiver(databaseTransactionStore(db.database))(body, signed(body))).status).toBe(413);
  });

  it("answers 500 and logs why when it cannot verify (no API key)", async () => {
    const config = parseCallbackConfig({ TELESIGN_CUSTOMER_ID: vector.credential.customerId });
    const transactions = databaseTransactionStore(db.database);
    const receive = createCallbackReceiver({ config, transactions: () => transactions });
    const from = capturedLines.length;
    const response = await receive(
      new Request("https://hook.example/cb", { method: "POST", headers: { authorization: tsa }, body: vector.body }),
    );
    expect(response.status).toBe(500);
    expect(logLinesSince(from)).toMatchObject([
      {
        level: "error",
        outcome: "misconfigured",
        problems: ["TELESIGN_API_KEY is required to verify callbacks"],
      },
    ]);
  });

  it("answers 503 when the store fails, so that Telesign retries", async () => {
    const failing = { recordStatus: () => Promise.reject(new Error("store down")) } as unknown as TransactionStore;
    const response = await receiver(failing)(vector.body);
    expect(response.status).toBe(503);
  });

  it("answers 503 when the store hangs, before Telesign gives up on the callback", async () => {
    const hanging = { recordStatus: () => new Promise<never>(() => {}) } as unknown as TransactionStore;
    const response = await receiver(hanging)(vector.body);
    expect(response.status).toBe(503);
  });

  it("answers 408 to a body trickled past its deadline, and stores nothing", async () => {
    const trickle = trickledBody(vector.body.toString());
    const response = await receiver(databaseTransactionStore(db.database))(trickle.stream);
    expect(response.status).toBe(408);
    trickle.stop();
    expect(await db.sql("SELECT * FROM delivery_statuses")).toEqual([]);
  });
});

describe("a replayed callback is one fact", () => {
  const statusRows = () =>
    db.sql("SELECT code FROM delivery_statuses WHERE reference_id = $1 AND source = 'callback'", [referenceId]);
  const sent = {
    referenceId,
    eventId: "evt-42",
    channel: "sms" as const,
    phone: "+1******3210",
    status: { code: 3001, description: "Message in progress", updatedOn: "2024-11-12T13:12:28.000Z" },
  };

  it.each([
    ["with updated_on", "2024-11-12T13:12:29.551105Z"],
    ["without updated_on", undefined],
  ])("a signed callback %s, replayed ten times, is stored once", async (_, updatedOn) => {
    const transactions = databaseTransactionStore(db.database);
    await transactions.recordRequest(acceptedRequest(sent));
    const receive = receiver(transactions);
    const body = callback(3000, updatedOn);
    for (let replay = 0; replay < 10; replay++) expect((await receive(body, signed(body))).status).toBe(200);
    expect(await statusRows()).toHaveLength(1);
    expect((await transactions.get(referenceId))?.history.map((entry) => entry.code)).toEqual([3001, 3000]);
  });

  it("a replay of a status older than the retention window is acknowledged, and cannot resurrect a swept record", async () => {
    const receive = receiver(databaseTransactionStore(db.database), "2024-11-30T12:00:00.000Z"); // 18 days on; 7 are kept
    const from = capturedLines.length;
    const response = await receive(vector.body);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, stored: false });
    expect(await db.sql("SELECT * FROM delivery_statuses")).toEqual([]);
    expect(logLinesSince(from)).toMatchObject([{ outcome: "ignored_expired", referenceId }]);
  });

  it("a replay without updated_on after the sweep brings back that status alone, once however often: no request, no phone", async () => {
    const transactions = databaseTransactionStore(db.database);
    const receive = receiver(transactions);
    const body = callback(3000, undefined);
    for (let replay = 0; replay < 10; replay++) expect((await receive(body, signed(body))).status).toBe(200);
    expect(await statusRows()).toEqual([{ code: 3000 }]);
    expect(await db.sql("SELECT * FROM okta_requests")).toEqual([]);
    const record = await transactions.get(referenceId);
    expect(record?.phone).toBeUndefined();
    expect(record?.history).toMatchObject([{ code: 3000, source: "callback" }]);
  });
});

describe("a callback that comes before the hook's record", () => {
  const sent = acceptedRequest({
    referenceId,
    eventId: "evt-42",
    channel: "sms",
    phone: "+1******3210",
    status: { code: 3001, description: "Message in progress", updatedOn: "2024-11-12T13:12:28.000Z" },
  });

  it.each([
    ["with updated_on", "2024-11-12T13:12:29.551105Z"],
    ["without updated_on", undefined],
  ])("%s is stored, not acknowledged and dropped: the record it outran completes it", async (_, updatedOn) => {
    const transactions = databaseTransactionStore(db.database);
    const from = capturedLines.length;
    const body = callback(3000, updatedOn);
    const response = await receiver(transactions)(body, signed(body));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true });
    expect(logLinesSince(from)).toMatchObject([{ message: "telesign callback", outcome: "stored", referenceId }]);
    await transactions.recordRequest(sent);
    expect(await transactions.getByEventId("evt-42")).toMatchObject({
      referenceId,
      phone: "+1******3210",
      history: [
        { code: 3001, source: "send" },
        { code: 3000, source: "callback" },
      ],
    });
  });
});
