import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.ts";
import { parseGuardConfig } from "../src/fraud/guard-config.ts";
import { createTelephonyHook } from "../src/handlers/telephony-hook.ts";
import { jsonLogger } from "../src/log.ts";
import { createDuplicateEvents } from "../src/storage/duplicate-events.ts";
import { databaseRateCounters } from "../src/storage/fraud-store.ts";
import { phoneHash } from "../src/storage/phone-hash.ts";
import { databaseTransactionStore, type TransactionStore } from "../src/storage/transaction-store.ts";
import { useDatabase } from "./support/database.ts";
import { apiKey, baseEnv, customerId, oktaPost, startHook, telesignUrl, useTelesignSimulator } from "./support/hook.ts";
import { capturedLines, logLinesSince } from "./support/log-capture.ts";
import { server } from "./support/msw-server.ts";
import { oktaRequest } from "./support/okta-requests.ts";
import { markSensitive } from "./support/sensitive.ts";

const db = useDatabase();
const phoneHashKey = "phone-hash-key-for-tests-0123456789abcdef";
markSensitive(phoneHashKey);

/** Every stored row of every table, as text: what a leaked database would give away. */
async function everythingStored(): Promise<string> {
  const tables = ["okta_requests", "delivery_statuses", "event_claims"];
  const rows = await Promise.all(tables.map((table) => db.sql(`SELECT * FROM ${table}`)));
  return JSON.stringify(rows);
}

describe("the hook's records", () => {
  it("an eventId, login or user id holding NUL or control characters is still recorded, not refused by Postgres", async () => {
    const transactions = databaseTransactionStore(db.database);
    const hook = startHook({}, {}, { transactions: () => transactions });
    const body = oktaRequest({}, { eventId: "evt\u0000-nul\u0007" });
    body.data.userProfile.login = "test.user\u0000@okta.com";
    body.data.userProfile.userId = "00uyxx\u0000";
    const { json } = await hook.call(body);
    await Promise.all(hook.afterResponse);
    expect(json.commands[0].value[0].status).toBe("SUCCESSFUL");
    expect(await db.sql("SELECT event_id, okta_login, okta_user_id FROM okta_requests")).toEqual([
      { event_id: "evt\ufffd-nul\ufffd", okta_login: "test.user\ufffd@okta.com", okta_user_id: "00uyxx\ufffd" },
    ]);
    // The status endpoint looks the event up the same way.
    expect(await transactions.getByEventId("evt\u0000-nul\u0007")).toMatchObject({ eventId: "evt\ufffd-nul\ufffd" });
  });

  it("records each answered request after answering: ids, user, masked phone, keyed hash, outcome, times; no code", async () => {
    const transactions = databaseTransactionStore(db.database);
    const hook = startHook({ PHONE_HASH_KEY: phoneHashKey }, {}, { transactions: () => transactions });
    const { json } = await hook.call(
      oktaRequest({
        deliveryChannel: "voice",
        otpCode: "317045",
        msgTemplate: "Your code is 317045",
        phoneNumber: "+44 20 7946 0958",
      }),
    );
    expect(hook.afterResponse).toHaveLength(1);
    await Promise.all(hook.afterResponse);

    const referenceId = json.commands[0].value[0].transactionId;
    expect(await transactions.get(referenceId)).toMatchObject({
      referenceId,
      eventId: "uS5871kJThSsU8qlA1LTcg",
      oktaRequestId: "reqRgSk8IBBRhuo0YdlEDTmUw",
      requestType: "com.okta.user.telephony.pre-enrollment",
      channel: "voice",
      phone: "+44******0958",
      history: [{ code: 3001, description: "Message in progress", source: "send" }],
    });
    const [row] = await db.sql<Record<string, unknown>>("SELECT * FROM okta_requests");
    expect(row).toMatchObject({
      event_id: "uS5871kJThSsU8qlA1LTcg",
      channel: "voice",
      phone_masked: "+44******0958",
      phone_hash: phoneHash(phoneHashKey, "442079460958"),
      country_code: "44",
      outcome: "accepted",
      reference_id: referenceId,
      telesign_code: 3001,
      telesign_http_status: 200,
      telesign_attempts: 1,
    });
    expect(row?.duration_ms).toEqual(expect.any(Number));
    expect(row?.telesign_ms).toEqual(expect.any(Number));
    expect(await everythingStored()).not.toMatch(/317045|442079460958|Your code/);
  });

  it("keeps the Okta user's id and login for the helpdesk", async () => {
    const hook = startHook({}, {}, { transactions: () => databaseTransactionStore(db.database) });
    await hook.call(oktaRequest());
    await Promise.all(hook.afterResponse);
    const rows = await db.sql("SELECT okta_user_id, okta_login, phone_hash FROM okta_requests");
    expect(rows).toEqual([
      { okta_user_id: "00uyxxSknGtK8022w0g3", okta_login: "test.user@okta.com", phone_hash: null },
    ]);
  });

  it("records a request Telesign refused with its outcome, and no delivery status", async () => {
    const hook = startHook({}, {}, { transactions: () => databaseTransactionStore(db.database) });
    await hook.call(oktaRequest({ phoneNumber: "+15555553101" }));
    await Promise.all(hook.afterResponse);
    expect(await db.sql("SELECT outcome, telesign_code FROM okta_requests")).toEqual([
      { outcome: "rejected", telesign_code: 3101 },
    ]);
    expect(await db.sql("SELECT * FROM delivery_statuses")).toEqual([]);
  });

  it("records an invalid request of an authenticated Okta, and nothing of an unauthenticated caller", async () => {
    const hook = startHook({}, {}, { transactions: () => databaseTransactionStore(db.database) });
    await hook.call({ not: "okta" });
    await hook.call(oktaRequest(), { headers: { authorization: "Basic forged-secret-00000000" } });
    await Promise.all(hook.afterResponse);
    expect(await db.sql("SELECT outcome, event_id FROM okta_requests")).toEqual([
      { outcome: "invalid_request", event_id: null },
    ]);
  });

  it("answers Okta the same when the database fails, and logs it", async () => {
    const failing = { recordRequest: () => Promise.reject(new Error("database down")) } as unknown as TransactionStore;
    const hook = startHook({}, {}, { transactions: () => failing });
    const from = capturedLines.length;
    const { json } = await hook.call(oktaRequest());
    await Promise.all(hook.afterResponse);
    expect(json.commands[0].value[0].status).toBe("SUCCESSFUL");
    expect(logLinesSince(from)).toMatchObject([
      { message: "okta telephony request", outcome: "accepted" },
      { level: "error", message: "request record not written", error: "Error: database down" },
    ]);
  });

  it("answers Okta the same when the site has no database at all", async () => {
    const hook = startHook(
      {},
      {},
      {
        transactions: () => {
          throw new Error("DatabaseNotConfigured");
        },
      },
    );
    const { json } = await hook.call(oktaRequest());
    await Promise.all(hook.afterResponse);
    expect(json.commands[0].value[0].status).toBe("SUCCESSFUL");
  });
});

describe("requests to international numbers (+800, +870, +881, +882, +883: no country owns them)", () => {
  it.each([
    ["refused by FRAUD_COUNTRIES=!INTL", { FRAUD_COUNTRIES: "!INTL" }, "+882 3123456789", "blocked", "blocked"],
    [
      "sent in FRAUD_MODE=monitor",
      { FRAUD_MODE: "monitor", FRAUD_COUNTRIES: "!INTL" },
      "+882 3123456789",
      "accepted",
      "would_block",
    ],
    ["sent when FRAUD_COUNTRIES lists INTL", { FRAUD_COUNTRIES: "GB,INTL" }, "+870 773111632", "accepted", null],
  ])(
    "a code %s is not lost from the records: revenue-share fraud's favourite numbers stay visible",
    async (_, env, phoneNumber, outcome, verdict) => {
      const transactions = databaseTransactionStore(db.database);
      const hook = startHook(env, {}, { transactions: () => transactions });
      const from = capturedLines.length;
      await hook.call(oktaRequest({ phoneNumber }, { eventId: "international-event" }));
      await Promise.all(hook.afterResponse);
      expect(logLinesSince(from).filter(({ message }) => message === "request record not written")).toEqual([]);
      expect(await db.sql("SELECT outcome, destination_country, fraud_verdict FROM okta_requests")).toEqual([
        { outcome, destination_country: "INTL", fraud_verdict: verdict },
      ]);
      if (outcome === "blocked") {
        expect(await transactions.getBlocked("international-event")).toMatchObject({ country: "INTL" });
      } else {
        expect(await transactions.getByEventId("international-event")).toMatchObject({ history: [{ source: "send" }] });
      }
    },
  );
});

describe("passthrough without TELESIGN_API_KEY: a credential only Telesign can judge", () => {
  const env = { ...baseEnv, OKTA_AUTH_MODE: "passthrough", FRAUD_LIMITS: "all:1000/1d" };
  delete (env as Record<string, string | undefined>).TELESIGN_API_KEY;
  delete (env as Record<string, string | undefined>).OKTA_AUTH_SECRETS;
  const basic = (key: string) => `Basic ${Buffer.from(`${customerId}:${key}`).toString("base64")}`;

  /** One instance of the hook, with its claims, counters and records in the database. */
  function passthroughHook() {
    const afterResponse: Promise<unknown>[] = [];
    const hook = createTelephonyHook({
      config: parseConfig(env),
      duplicates: createDuplicateEvents({ database: db.database, log: jsonLogger }),
      transactions: () => databaseTransactionStore(db.database),
      fraud: { config: parseGuardConfig(env), counters: databaseRateCounters(db.database) },
    });
    let events = 0;
    const call = async (authorization: string) => {
      const body = oktaRequest({}, { eventId: `passthrough-${events++}` });
      const response = await hook(oktaPost(body, { authorization }), { waitUntil: (work) => afterResponse.push(work) });
      await Promise.all(afterResponse);
      return (await response.json()) as Record<string, any>;
    };
    return { call };
  }

  const stored = async () => ({
    requests: await db.sql<{ outcome: string }>("SELECT outcome FROM okta_requests"),
    claims: await db.sql("SELECT state FROM event_claims"),
    counted: await db.sql("SELECT hits FROM fraud_counters WHERE hits > 0"),
  });

  it.each([
    ["refused by Telesign with its status (401, 3400)", undefined],
    ["refused with a bare 401", 401],
    ["refused with a bare 403", 403],
  ])("a made-up credential %s leaves no record, no claim held and no count in the database", async (_, bare) => {
    const simulator = useTelesignSimulator();
    if (bare !== undefined)
      server.use(http.post(`${telesignUrl}/v1/omnichannel`, () => new HttpResponse(null, { status: bare })));
    const { call } = passthroughHook();
    for (let i = 0; i < 3; i++) expect((await call(basic("made-up-key"))).error).toBeDefined();
    expect(simulator.messages.size).toBe(0);
    // Each claim is released: a row marked so (a late claim statement cannot bring it back), deleted
    // with the claims once the code's life is over.
    expect(await stored()).toEqual({ requests: [], claims: Array(3).fill({ state: "released" }), counted: [] });
  });

  it("the account's own credential is recorded, claimed and counted as ever", async () => {
    useTelesignSimulator();
    const { call } = passthroughHook();
    expect((await call(basic(apiKey))).commands).toBeDefined();
    expect(await stored()).toEqual({
      requests: [{ outcome: "accepted" }],
      claims: [{ state: "answered" }],
      counted: [{ hits: 1 }],
    });
  });
});
