import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { parseStatusConfig } from "../src/config.ts";
import { createTransactionStatus } from "../src/handlers/telesign-status.ts";
import { databaseTransactionStore, type TransactionStore } from "../src/storage/transaction-store.ts";
import { onTestTime } from "./support/clock.ts";
import { useDatabase } from "./support/database.ts";
import { apiKey, baseEnv, customerId, oktaSecret, startHook, telesignUrl } from "./support/hook.ts";
import { capturedLines, logLinesSince } from "./support/log-capture.ts";
import { server } from "./support/msw-server.ts";
import { oktaRequest } from "./support/okta-requests.ts";
import { markSensitive } from "./support/sensitive.ts";

const db = useDatabase();
const readToken = "status-reader-5521";
markSensitive(readToken);

/** A code sent through the hook (SMS, recorded), and the status endpoint over the same store and Telesign. */
async function sentCode(env: Record<string, string | undefined> = {}) {
  const transactions = databaseTransactionStore(db.database);
  const hook = startHook(env, {}, { transactions: () => transactions });
  const { json } = await hook.call(
    oktaRequest({ phoneNumber: "+1 (555) 555-3210", otpCode: "864209", msgTemplate: "Your code is 864209" }),
  );
  await Promise.all(hook.afterResponse);
  const referenceId: string = json.commands[0].value[0].transactionId;
  const status = statusEndpoint(transactions, env);
  return { referenceId, transactions, status, simulator: hook.simulator };
}

function statusEndpoint(transactions: TransactionStore, env: Record<string, string | undefined> = {}) {
  const transactionStatus = createTransactionStatus({
    config: parseStatusConfig({ ...baseEnv, STATUS_API_TOKENS: readToken, ...env }),
    transactions: () => transactions,
  });
  return async (query: string, headers: Record<string, string> = { authorization: oktaSecret }, method = "GET") => {
    const response = await transactionStatus(
      new Request(`https://hook.example/.netlify/functions/telesign-status?${query}`, { method, headers }),
    );
    const text = await response.text();
    return { status: response.status, response, text, json: JSON.parse(text) as Record<string, any> };
  };
}

describe("the status endpoint", () => {
  it("merges the stored record with Telesign's status, and reads it as Okta would", async () => {
    const { referenceId, status } = await sentCode();
    const { status: httpStatus, json } = await status(`referenceId=${referenceId}`);
    expect(httpStatus).toBe(200);
    expect(json).toEqual({
      referenceId,
      eventId: "uS5871kJThSsU8qlA1LTcg",
      oktaRequestId: "reqRgSk8IBBRhuo0YdlEDTmUw",
      requestType: "com.okta.user.telephony.pre-enrollment",
      channel: "sms",
      phone: "+1******3210",
      status: {
        code: 3000,
        description: "Delivered",
        updatedOn: expect.any(String),
        lastChannel: "sms",
        source: "status",
        okta: "SUCCESSFUL",
      },
      history: [
        { code: 3001, description: "Message in progress", updatedOn: expect.any(String), source: "send" },
        { code: 3000, description: "Delivered", updatedOn: expect.any(String), lastChannel: "sms", source: "status" },
      ],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      store: "ok",
      telesign: { lookup: "ok", code: 3000, description: "Delivered" },
    });
  });

  it("finds a transaction by Okta's eventId, with a read-only token", async () => {
    const { referenceId, status } = await sentCode();
    const { json } = await status("eventId=uS5871kJThSsU8qlA1LTcg", { authorization: `Bearer ${readToken}` });
    expect(json.referenceId).toBe(referenceId);
  });

  it("reports a final failure as FAILED", async () => {
    const transactions = databaseTransactionStore(db.database);
    const hook = startHook({}, {}, { transactions: () => transactions });
    const { json: sent } = await hook.call(oktaRequest({ phoneNumber: "+15555553031" }));
    await Promise.all(hook.afterResponse);
    const { json } = await statusEndpoint(transactions)(`referenceId=${sent.commands[0].value[0].transactionId}`);
    expect(json.status).toMatchObject({ code: 3031, okta: "FAILED" });
  });

  it.each([
    [
      "get-status not enabled (3206)",
      401,
      { status: { code: 3206, description: "Product not enabled" } },
      "not_enabled",
    ],
    [
      "an expired reference (-10004)",
      404,
      { status: { code: -10004, description: "Reference id not found or expired" } },
      "expired",
    ],
    [
      "an invalid reference (3311)",
      400,
      { status: { code: 3311, description: "Invalid reference_id" } },
      "invalid_reference",
    ],
    ["a refused credential (3400)", 401, { status: { code: 3400, description: "Not authorized" } }, "refused"],
  ])("answers from the stored callbacks when Telesign answers %s", async (_, httpStatus, body, lookup) => {
    const { referenceId, transactions, status } = await sentCode();
    await transactions.recordStatus(referenceId, {
      code: 3000,
      description: "Delivered",
      updatedOn: new Date(Date.now() + 1000).toISOString(),
      source: "callback",
    });
    server.use(http.get(`${telesignUrl}/v1/omnichannel/:id`, () => HttpResponse.json(body, { status: httpStatus })));
    const { status: answered, json } = await status(`referenceId=${referenceId}`);
    expect(answered).toBe(200);
    expect(json.status).toMatchObject({ code: 3000, source: "callback", okta: "SUCCESSFUL" });
    expect(json.telesign).toMatchObject({ lookup, code: body.status.code });
  });

  it("answers from the store within the deadline when Telesign hangs", async () => {
    const { referenceId, status } = await sentCode({ TELESIGN_TIMEOUT_MS: "200" });
    server.use(http.get(`${telesignUrl}/v1/omnichannel/:id`, () => new Promise<never>(() => {})));
    const started = performance.now();
    const { json } = await status(`referenceId=${referenceId}`);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(json.telesign.lookup).toBe("timeout");
    expect(json.status).toMatchObject({ code: 3001, okta: "PENDING" });
  });

  it("asks Telesign about a reference id it never stored", async () => {
    const { referenceId, simulator } = await sentCode();
    for (const table of ["okta_requests", "delivery_statuses"]) await db.sql(`DELETE FROM ${table}`);
    const { json } = await statusEndpoint(databaseTransactionStore(db.database))(`referenceId=${referenceId}`);
    expect(json).toMatchObject({ referenceId, status: { code: 3000 }, store: "ok" });
    expect(json).not.toHaveProperty("phone");
    expect(simulator.received.at(-1)).toMatchObject({ method: "GET", path: `/v1/omnichannel/${referenceId}` });
  });

  it("answers 404 when neither the store nor Telesign knows the transaction", async () => {
    const { status } = await sentCode();
    expect((await status(`referenceId=${"A".repeat(32)}`)).status).toBe(404);
    expect((await status("eventId=unknown-event")).status).toBe(404);
  });

  it.each([
    ["no credential", {}],
    ["a wrong secret", { authorization: "wrong" }],
    ["a wrong token", { authorization: "Bearer wrong" }],
  ])("refuses %s with 401", async (_, headers) => {
    const { referenceId, status } = await sentCode();
    const { status: answered, response } = await status(`referenceId=${referenceId}`, headers);
    expect(answered).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
  });

  it.each([
    ["", "give exactly one of referenceId and eventId"],
    ["referenceId=123&eventId=abc", "give exactly one of referenceId and eventId"],
    ["referenceId=not-hex", "referenceId must be 32 hexadecimal digits"],
    ["eventId=", "eventId must be 1 to 200 characters"],
  ])("answers 400 to the query %j", async (query, error) => {
    const { status } = await sentCode();
    expect(await status(query)).toMatchObject({ status: 400, json: { error } });
  });

  it("answers 405 to anything but GET", async () => {
    const { referenceId, status } = await sentCode();
    const { status: answered, response } = await status(
      `referenceId=${referenceId}`,
      { authorization: oktaSecret },
      "POST",
    );
    expect(answered).toBe(405);
    expect(response.headers.get("allow")).toBe("GET");
  });

  it("never shows the code, the message or the full phone number", async () => {
    const { referenceId, status } = await sentCode();
    const { text } = await status(`referenceId=${referenceId}`);
    expect(text).not.toMatch(/864209|15555553210|555-3210|Your code/);
  });

  it("still answers from Telesign when the store is down", async () => {
    const { referenceId } = await sentCode();
    const failing = { get: () => Promise.reject(new Error("store down")) } as unknown as TransactionStore;
    const { status: answered, json } = await statusEndpoint(failing)(`referenceId=${referenceId}`);
    expect(answered).toBe(200);
    expect(json).toMatchObject({ store: "unavailable", status: { code: 3000 } });
  });
});

describe("passthrough mode: a customer id alone never opens a record", () => {
  const basic = (id: string, key: string) => `Basic ${Buffer.from(`${id}:${key}`).toString("base64")}`;
  const rightKey = basic(customerId, apiKey);
  const wrongKey = basic(customerId, "d3Jvbmcga2V5");
  const passthrough = { OKTA_AUTH_MODE: "passthrough", OKTA_AUTH_SECRETS: undefined, STATUS_API_TOKENS: undefined };

  /** A code sent in passthrough mode, and the status endpoint configured alike. */
  async function passthroughCode(env: Record<string, string | undefined>) {
    const transactions = databaseTransactionStore(db.database);
    const hook = startHook({ ...passthrough, ...env }, {}, { transactions: () => transactions });
    const { json } = await hook.call(oktaRequest({}, { eventId: "passthrough-event" }), {
      headers: { authorization: rightKey },
    });
    await Promise.all(hook.afterResponse);
    const referenceId: string = json.commands[0].value[0].transactionId;
    return { referenceId, simulator: hook.simulator, status: statusEndpoint(transactions, { ...passthrough, ...env }) };
  }

  it("with TELESIGN_API_KEY set, a wrong key reads nothing, by referenceId or by eventId", async () => {
    const { referenceId, status } = await passthroughCode({});
    for (const query of [`referenceId=${referenceId}`, "eventId=passthrough-event", "eventId=unknown-event"]) {
      const refused = await status(query, { authorization: wrongKey });
      expect(refused.status).toBe(401);
      expect(refused.text).not.toMatch(/passthrough-event|reqRgSk8IBBRhuo0YdlEDTmUw|\*\*\*/);
    }
    for (const query of [`referenceId=${referenceId}`, "eventId=passthrough-event"]) {
      expect(await status(query, { authorization: rightKey })).toMatchObject({
        status: 200,
        json: { referenceId, eventId: "passthrough-event" },
      });
    }
  });

  it("with TELESIGN_API_KEY set, a wrong key never reaches Telesign", async () => {
    const { referenceId, status, simulator } = await passthroughCode({});
    const asked = simulator.received.length;
    expect((await status(`referenceId=${referenceId}`, { authorization: wrongKey })).status).toBe(401);
    expect(simulator.received).toHaveLength(asked);
  });

  describe.each([
    [
      "another account",
      { TELESIGN_CUSTOMER_ID: undefined },
      basic("00000000-0000-4000-8000-00000000ffff", "b3RoZXIga2V5"),
    ],
    ["this customer id with a wrong key", {}, wrongKey],
  ])("without TELESIGN_API_KEY, %s reads no record", (_, env, credential) => {
    it.each([
      ["an unknown reference (3311)", 400, { status: { code: 3311, description: "Invalid reference_id" } }],
      ["not found (-10004, HTTP 404)", 404, { status: { code: -10004, description: "Reference id not found" } }],
      ["get-status not enabled (3206)", 401, { status: { code: 3206, description: "Product not enabled" } }],
      ["the record's own status (200)", 200, { status: { code: 3000, description: "Delivered" } }],
    ])(
      "when Telesign answers %s (3311, -10004 and 3206 prove nothing), and known and unknown eventIds look alike",
      async (_, httpStatus, body) => {
        const { referenceId, status } = await passthroughCode({
          ...env,
          TELESIGN_API_KEY: undefined,
          STATUS_API_TOKENS: readToken,
        });
        server.use(
          http.get(`${telesignUrl}/v1/omnichannel/:id`, () => HttpResponse.json(body, { status: httpStatus })),
        );
        const answers = [];
        for (const query of [`referenceId=${referenceId}`, "eventId=passthrough-event", "eventId=unknown-event"]) {
          answers.push(await status(query, { authorization: credential }));
        }
        expect(answers.map((answer) => [answer.status, answer.text])).toEqual(
          answers.map(() => [401, JSON.stringify({ error: "unauthorized" })]),
        );
        expect((await status("eventId=passthrough-event", { authorization: `Bearer ${readToken}` })).status).toBe(200);
      },
    );
  });

  it("passthrough without TELESIGN_API_KEY (and no read token) leaves the status endpoint misconfigured, saying why", async () => {
    const config = parseStatusConfig({ OKTA_AUTH_MODE: "passthrough", TELESIGN_CUSTOMER_ID: customerId });
    expect(config).toMatchObject({
      ok: false,
      problems: [{ variables: ["TELESIGN_API_KEY"], message: expect.stringMatching(/^TELESIGN_API_KEY is required/) }],
    });
    const { referenceId, status } = await passthroughCode({ TELESIGN_API_KEY: undefined });
    expect(await status(`referenceId=${referenceId}`, { authorization: rightKey })).toMatchObject({
      status: 500,
      json: { error: "not configured" },
    });
  });
});

describe("read-only tokens", () => {
  it("a guessable token (STATUS_API_TOKENS=a,1) reads nothing: the endpoint answers as misconfigured and says why", async () => {
    const transactions = databaseTransactionStore(db.database);
    const from = capturedLines.length;
    const status = statusEndpoint(transactions, { STATUS_API_TOKENS: "a,1" });
    for (const token of ["a", "1"]) {
      expect(await status("eventId=uS5871kJThSsU8qlA1LTcg", { authorization: `Bearer ${token}` })).toMatchObject({
        status: 500,
        json: { error: "not configured" },
      });
    }
    expect(logLinesSince(from).at(-1)).toMatchObject({
      problems: ["STATUS_API_TOKENS must hold tokens of at least 16 characters each"],
    });
  });
});

/** The status endpoint's bound on each store call (its own, in src/handlers/telesign-status.ts). */
const storeBoundMs = 1_000;

describe("the status endpoint's store calls have a deadline", () => {
  it("answers from Telesign when the store hangs", async () => {
    const { referenceId } = await sentCode();
    let asked!: () => void;
    const storeAsked = new Promise<void>((resolve) => (asked = resolve));
    const hanging = {
      get: () => {
        asked();
        return new Promise<never>(() => {});
      },
    } as unknown as TransactionStore;
    // On the test's clock (support/clock.ts): the store's bound fires once the store has the question.
    const { status: answered, json } = await onTestTime(async (advance) => {
      const answer = statusEndpoint(hanging)(`referenceId=${referenceId}`);
      await storeAsked;
      await advance(storeBoundMs);
      return answer;
    });
    expect(answered).toBe(200);
    expect(json).toMatchObject({ store: "unavailable", status: { code: 3000 } });
  });
});
