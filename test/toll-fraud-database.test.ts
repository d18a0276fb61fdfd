import { createHash, createHmac, hkdfSync } from "node:crypto";
import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { parseConfig, parseStatusConfig } from "../src/config.ts";
import { parseGuardConfig } from "../src/fraud/guard-config.ts";
import { createTelephonyHook } from "../src/handlers/telephony-hook.ts";
import { createTransactionStatus } from "../src/handlers/telesign-status.ts";
import { jsonLogger } from "../src/log.ts";
import { createDuplicateEvents, maxClaimMs } from "../src/storage/duplicate-events.ts";
import { databaseFraudRetention, databaseRateCounters, databaseRiskCache } from "../src/storage/fraud-store.ts";
import { databaseTransactionStore } from "../src/storage/transaction-store.ts";
import { onTestTime } from "./support/clock.ts";
import { useDatabase } from "./support/database.ts";
import { apiKey, baseEnv, customerId, oktaPost, telesignUrl, useTelesignSimulator } from "./support/hook.ts";
import { capturedLines, logLinesSince } from "./support/log-capture.ts";
import { server } from "./support/msw-server.ts";
import { oktaRequest } from "./support/okta-requests.ts";
import { markSensitive } from "./support/sensitive.ts";

/** The toll-fraud guard on Netlify Database: counters every instance shares, scores kept a day, decisions recorded. */

const db = useDatabase({ access: "neon-http" });
markSensitive("status-reader-token-0042");
/** The guard's bound on its counters (its default, in src/fraud/guard.ts): the rows that wait on it run on the test's clock. */
const counterBoundMs = 400;
/** A statement's own bound after the answer (the counters' take, their give-back: src/storage/fraud-store.ts). */
const statementBoundMs = 2_000;

let events = 0;
function smsTo(phoneNumber: string, top: Record<string, unknown> = {}) {
  return oktaRequest(
    { phoneNumber, otpCode: "482915", msgTemplate: "Your verification code is 482915" },
    { eventId: `fraud-db-${events++}`, ...top },
  );
}

/** One function instance: its own hook, the shared database (`undefined` in env removes a variable). */
function instance(env: Record<string, string | undefined> = {}, headers?: Record<string, string>) {
  const afterResponse: Promise<unknown>[] = [];
  const hookEnv = Object.fromEntries(
    Object.entries({ ...baseEnv, ...env }).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const hook = createTelephonyHook({
    config: parseConfig(hookEnv),
    duplicates: createDuplicateEvents({ database: db.database, log: jsonLogger }),
    transactions: () => databaseTransactionStore(db.database),
    fraud: {
      config: parseGuardConfig(hookEnv),
      counters: databaseRateCounters(db.database),
      riskCache: databaseRiskCache(db.database),
    },
  });
  const call = async (body: unknown) => {
    const response = await hook(oktaPost(body, headers), { waitUntil: (work) => afterResponse.push(work) });
    return (await response.json()) as Record<string, any>;
  };
  return { call, settled: () => Promise.all(afterResponse) };
}

/** What anyone can compute for a number, its ranges and a user id without a secret: their plain SHA-256s. */
function plainDigests(digits: string, oktaUserId: string): string[] {
  const subjects = [`user:${oktaUserId}`];
  for (let end = 1; end <= digits.length; end++) {
    subjects.push(`number:${digits.slice(0, end)}`, `range:${digits.slice(0, end)}`);
  }
  return subjects.flatMap((subject) => [
    createHash("sha256").update(subject).digest("base64url"),
    createHash("sha256").update(subject).digest("hex"),
  ]);
}

describe("rate limits across instances", () => {
  // On the test's clock, which no one moves: twelve requests queue on one engine, and no bound (a
  // claim's, the counters', the budget read from performance.now) may cut one short however long a
  // busy machine makes them; the test's own timeout only catches a hang.
  it("number:3/1h with a dozen concurrent requests over three instances sends at most 3", {
    timeout: 60_000,
  }, async () => {
    const simulator = useTelesignSimulator({ scenarios: {} });
    const instances = [1, 2, 3].map(() => instance({ FRAUD_LIMITS: "number:3/1h" }));
    const answers = await onTestTime(() =>
      Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (instances[i % 3] as ReturnType<typeof instance>).call(smsTo("+447400123456")),
        ),
      ),
    );
    expect(simulator.sentBodies()).toHaveLength(3);
    expect(answers.filter((json) => json.commands !== undefined)).toHaveLength(3);
    expect(answers.filter((json) => json.error?.errorSummary === "Message blocked")).toHaveLength(9);
    expect(await db.sql("SELECT hits, hit_limit FROM fraud_counters")).toEqual([{ hits: 3, hit_limit: 3 }]);
  });

  it("counters keep no number: the number and its range are keyed by digests", async () => {
    useTelesignSimulator({ scenarios: {} });
    const { call } = instance({ FRAUD_LIMITS: "number:5/1h,range:9/1d,country:9/1h,all:99/1d" });
    await call(smsTo("+447400123456"));
    const keys = await db.sql<{ counter_key: string }>("SELECT counter_key FROM fraud_counters ORDER BY counter_key");
    expect(keys.map(({ counter_key }) => counter_key.replace(/:[A-Za-z0-9_-]{43}$/, ":<digest>"))).toEqual([
      "all/1d:all",
      "country/1h:GB",
      "number/1h:<digest>",
      "range/1d:<digest>",
    ]);
    expect(JSON.stringify(keys)).not.toMatch(/7400|447400/);
  });

  it("a code refused by one scope is not counted in the others; a repeated eventId counts once", async () => {
    const simulator = useTelesignSimulator({ scenarios: {} });
    const { call, settled } = instance({ FRAUD_LIMITS: "number:5/1h,all:1/1h" });
    const first = smsTo("+447400123456");
    expect((await call(first)).commands).toBeDefined();
    expect((await call(smsTo("+447400123456"))).error.errorSummary).toBe("Message blocked");
    await settled();
    // Okta's repeat of the first event, on another instance, gets the first answer and is not counted again.
    const other = instance({ FRAUD_LIMITS: "number:5/1h,all:1/1h" });
    expect((await other.call(first)).commands).toBeDefined();
    await other.settled();
    const rows = await db.sql<{ key: string; hits: number }>(
      "SELECT split_part(counter_key, ':', 1) AS key, hits FROM fraud_counters ORDER BY 1",
    );
    expect(rows).toEqual([
      { key: "all/1h", hits: 1 },
      { key: "number/1h", hits: 1 },
    ]);

    expect(simulator.sentBodies()).toHaveLength(1);
  });

  it("a take that finds one counter full counts the code in none, and says the others' counts when it counts", async () => {
    const counters = databaseRateCounters(db.database);
    const windowStart = Date.UTC(2026, 0, 2);
    const counter = (key: string, limit: number) =>
      ({ key, scope: "number", window: "1h", limit, windowStart, windowEnd: windowStart + 3_600_000 }) as const;
    const [number, range] = [counter("number/1h:a", 1), counter("range/1h:a", 5)];
    expect(await counters.take([number, range], Number.POSITIVE_INFINITY)).toEqual({
      taken: [
        { ...number, hits: 1 },
        { ...range, hits: 1 },
      ],
      full: [],
    });
    expect(await counters.take([number, range], Number.POSITIVE_INFINITY)).toEqual({ taken: [], full: [number] });
    expect(await db.sql("SELECT counter_key, hits FROM fraud_counters ORDER BY 1")).toEqual([
      { counter_key: "number/1h:a", hits: 1 },
      { counter_key: "range/1h:a", hits: 1 },
    ]);
  });

  it("a database that does not answer in time: the code goes out (FRAUD_FAIL=open) and the record says so", async () => {
    const simulator = useTelesignSimulator({ scenarios: {} });
    const { call, settled } = instance();
    await onTestTime(async (advance) => {
      const taken = db.fault({ kind: "hang" }, { kind: "hang" }); // the claim and the counters
      const answered = call(smsTo("+447400123456"));
      await taken;
      await advance(maxClaimMs); // both bounds
      expect((await answered).commands).toBeDefined();
      await advance(statementBoundMs); // the instance waits for the counters' late answer until their statement's own bound
      await settled();
    });
    expect(simulator.sentBodies()).toHaveLength(1);
    expect(await db.sql("SELECT outcome, fraud_verdict FROM okta_requests")).toEqual([
      { outcome: "accepted", fraud_verdict: "unavailable" },
    ]);
  });
});

describe("a leaked fraud_counters or risk_scores table reveals no number", () => {
  const digits = "447400120666";
  const everyScope = { FRAUD_LIMITS: "number:5/1h,range:9/1d,user:9/1h,country:9/1h,all:99/1d" };
  const storedDigests = async () =>
    [
      ...(await db.sql<{ key: string }>("SELECT counter_key AS key FROM fraud_counters")),
      ...(await db.sql<{ key: string }>("SELECT phone_key AS key FROM risk_scores")),
    ].map(({ key }) => key.replace(/^([a-z]+\/[0-9a-z]+|[a-z-]+):/, "")); // a counter's scope and window, a score's lifecycle event

  it("without PHONE_HASH_KEY, nothing is keyed by a plain hash: keys are HMACs under a key derived from TELESIGN_API_KEY", async () => {
    useTelesignSimulator({ scenarios: {} });
    const { call, settled } = instance({ ...everyScope, TELESIGN_RISK_CHECK: "always" });
    const request = smsTo(`+${digits}`);
    await call(request);
    await settled();
    const stored = await storedDigests();
    expect(stored.filter((key) => key.length === 43)).toHaveLength(4); // number, range, user, risk score
    const plain = plainDigests(digits, request.data.userProfile.userId as string);
    expect(stored.filter((key) => plain.includes(key))).toEqual([]);
    const derived = hkdfSync("sha256", apiKey, "okta-telephony-hook-telesign", "toll-fraud subjects", 32);
    expect(stored).toContain(createHmac("sha256", Buffer.from(derived)).update(`number:${digits}`).digest("base64url"));
  });

  it("with no secret to key them (passthrough without TELESIGN_API_KEY), numbers are counted in memory, never stored; countries still in the database", async () => {
    const simulator = useTelesignSimulator({ scenarios: {} });
    const from = capturedLines.length;
    const passthrough = instance(
      {
        OKTA_AUTH_MODE: "passthrough",
        TELESIGN_API_KEY: undefined,
        TELESIGN_CUSTOMER_ID: undefined,
        OKTA_AUTH_SECRETS: undefined,
        FRAUD_LIMITS: "number:1/1h,country:9/1h",
        TELESIGN_RISK_CHECK: "always",
      },
      { authorization: `Basic ${Buffer.from(`${customerId}:${apiKey}`).toString("base64")}` },
    );
    expect(logLinesSince(from)).toContainEqual(
      expect.objectContaining({ message: "toll-fraud counters on this instance only" }),
    );
    expect((await passthrough.call(smsTo("+447400123456"))).commands).toBeDefined();
    expect((await passthrough.call(smsTo("+447400123456"))).error.errorSummary).toBe("Message blocked");
    await passthrough.settled();
    expect(simulator.sentBodies()).toHaveLength(1);
    expect(await storedDigests()).toEqual(["GB"]);
  });
});

describe("a take of the counters cut at its bound", () => {
  it("that lands late is given back when the code was not sent (FRAUD_FAIL=closed): a timeout never over-counts", async () => {
    const simulator = useTelesignSimulator({ scenarios: {} });
    const { call, settled } = instance({ FRAUD_LIMITS: "number:5/1h", FRAUD_FAIL: "closed" });
    await onTestTime(async (advance) => {
      const taken = db.fault({ kind: "ok" }, { kind: "slow", delayMs: 2 * counterBoundMs }); // the claim, then the counters
      const answered = call(smsTo("+447400123456"));
      await taken;
      await advance(counterBoundMs);
      expect((await answered).error.errorSummary).toBe("Message blocked");
      await advance(counterBoundMs); // the take lands
      await settled();
      await db.statementsRan();
    });
    expect(simulator.sentBodies()).toHaveLength(0);
    expect(await db.sql("SELECT hits FROM fraud_counters")).toEqual([{ hits: 0 }]);
  });

  it("that lands late keeps the code counted when it was sent (FRAUD_FAIL=open): a timeout never under-counts", async () => {
    const simulator = useTelesignSimulator({ scenarios: {} });
    const { call, settled } = instance({ FRAUD_LIMITS: "number:5/1h" });
    await onTestTime(async (advance) => {
      const taken = db.fault({ kind: "ok" }, { kind: "slow", delayMs: 2 * counterBoundMs });
      const answered = call(smsTo("+447400123456"));
      await taken;
      await advance(counterBoundMs);
      expect((await answered).commands).toBeDefined();
      await advance(counterBoundMs); // the take lands
      await settled();
      await db.statementsRan();
    });
    expect(await db.sql("SELECT hits FROM fraud_counters")).toEqual([{ hits: 1 }]);
    expect(simulator.sentBodies()).toHaveLength(1);
  });
});

describe("a database slower than the counters' bound", () => {
  it("a fraudster pumping one number while the database is slow gets 5 codes past number:3/1h on three instances, not 12: the instances remember a full counter", {
    timeout: 60_000,
  }, async () => {
    const simulator = useTelesignSimulator({ scenarios: {} });
    const env = { FRAUD_LIMITS: "number:3/1h" };
    const instances = [instance(env), instance(env), instance(env)];
    const [first] = instances as [ReturnType<typeof instance>];
    for (let i = 0; i < 3; i++) expect((await first.call(smsTo("+447400123456"))).commands).toBeDefined();
    await first.settled();
    await onTestTime(async (advance) => {
      // Every statement now answers after 500 ms (a database waking up): each take of the counters
      // misses its 400 ms, each claim is in time.
      void db.fault(...Array.from({ length: 200 }, () => ({ kind: "slow", delayMs: counterBoundMs + 100 }) as const));
      let running = true;
      // The instances side by side, each one's requests one after another.
      const pumping = Promise.all(
        instances.map(async ({ call, settled }) => {
          for (let i = 0; i < 3; i++) {
            await call(smsTo("+447400123456"));
            await settled();
          }
        }),
      ).finally(() => {
        running = false;
      });
      for (let ms = 0; running && ms < 60_000; ms += 100) await advance(100);
      await pumping;
    });
    await db.statementsRan();
    // The first instance saw the counter fill and sends nothing more; each other one sends one code on
    // its own count before the late answer says the counter is full.
    expect(simulator.sentBodies()).toHaveLength(5);
    expect(await db.sql("SELECT hits, hit_limit FROM fraud_counters")).toEqual([{ hits: 3, hit_limit: 3 }]);
  });
});

describe("what the database records", () => {
  it("a blocked request is recorded with the kind of rule, the scope and the country, never the number", async () => {
    useTelesignSimulator({ scenarios: {} });
    const { call, settled } = instance({ FRAUD_LIMITS: "range:1/1h" });
    await call(smsTo("+447400123456"));
    await call(smsTo("+447400120000"));
    await call(smsTo("+449012345678"));
    await settled();
    expect(
      await db.sql(
        "SELECT outcome, destination_country, fraud_verdict, fraud_rules, fraud_scope, phone_masked FROM okta_requests ORDER BY id",
      ),
    ).toEqual([
      {
        outcome: "accepted",
        destination_country: "GB",
        fraud_verdict: null,
        fraud_rules: null,
        fraud_scope: null,
        phone_masked: "+44******3456",
      },
      {
        outcome: "blocked",
        destination_country: "GB",
        fraud_verdict: "blocked",
        fraud_rules: "rate_limit",
        fraud_scope: "range/1h",
        phone_masked: "+44******0000",
      },
      {
        outcome: "blocked",
        destination_country: "GB",
        fraud_verdict: "blocked",
        fraud_rules: "number_type",
        fraud_scope: null,
        phone_masked: "+44******5678",
      },
    ]);
  });

  it("the status endpoint shows a blocked event: what refused it, never the number or a threshold", async () => {
    useTelesignSimulator({ scenarios: {} });
    const { call, settled } = instance({ FRAUD_COUNTRIES: "US" });
    await call(smsTo("+18762101234", { eventId: "blocked-event-1" }));
    await settled();
    const status = createTransactionStatus({
      config: parseStatusConfig({ ...baseEnv, STATUS_API_TOKENS: "status-reader-token-0042" }),
      transactions: () => databaseTransactionStore(db.database),
    });
    const response = await status(
      new Request("https://hook.example/.netlify/functions/telesign-status?eventId=blocked-event-1", {
        headers: { authorization: "Bearer status-reader-token-0042" },
      }),
    );
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({
      eventId: "blocked-event-1",
      oktaRequestId: "reqRgSk8IBBRhuo0YdlEDTmUw",
      requestType: "com.okta.user.telephony.pre-enrollment",
      channel: "sms",
      phone: "+1******1234",
      status: null,
      history: [],
      blocked: { rules: "country", scope: null, country: "JM", at: expect.any(String) },
      store: "ok",
    });
    const unknown = await status(
      new Request("https://hook.example/.netlify/functions/telesign-status?eventId=never-seen", {
        headers: { authorization: "Bearer status-reader-token-0042" },
      }),
    );
    expect(unknown.status).toBe(404);
  });

  it("monitor sends and records what would have been blocked", async () => {
    const simulator = useTelesignSimulator({ scenarios: {} });
    const { call, settled } = instance({ FRAUD_MODE: "monitor", FRAUD_COUNTRIES: "US" });
    expect((await call(smsTo("+18762101234"))).commands).toBeDefined();
    await settled();
    expect(simulator.sentBodies()).toHaveLength(1);
    expect(await db.sql("SELECT outcome, destination_country, fraud_verdict, fraud_rules FROM okta_requests")).toEqual([
      { outcome: "accepted", destination_country: "JM", fraud_verdict: "would_block", fraud_rules: "country" },
    ]);
  });
});

describe("Telesign's risk scores, kept a day for every instance", () => {
  it("a second instance reuses the first one's answer; the score is keyed by a digest", async () => {
    const simulator = useTelesignSimulator({ scenarios: {} });
    const env = { TELESIGN_RISK_CHECK: "always" };
    const first = instance(env);
    const second = instance(env);
    await first.call(smsTo("+447400120666"));
    await first.settled();
    expect((await second.call(smsTo("+447400120666"))).error.errorSummary).toBe("Message blocked");
    expect(simulator.received.filter(({ path }) => path.startsWith("/v1/score/"))).toHaveLength(1);
    const rows = await db.sql<{ phone_key: string; recommendation: string }>(
      "SELECT phone_key, recommendation FROM risk_scores",
    );
    expect(rows).toMatchObject([{ recommendation: "block" }]);
    expect(rows[0]?.phone_key).not.toMatch(/447400120666/);
  });

  it("an answer whose score or level the table cannot hold is still kept, without them (a failed cache write would bill every request)", async () => {
    useTelesignSimulator({ scenarios: {} });
    let scored = 0;
    server.use(
      http.post(`${telesignUrl}/v1/score/:number`, () => {
        scored++;
        return HttpResponse.json({
          risk: { recommendation: "allow", score: 1e12, level: `high${"\u0000".repeat(3)}${"x".repeat(500)}` },
        });
      }),
    );
    const env = { TELESIGN_RISK_CHECK: "always" };
    const first = instance(env);
    expect((await first.call(smsTo("+447400120100"))).commands).toBeDefined();
    await first.settled();
    expect((await instance(env).call(smsTo("+447400120100"))).commands).toBeDefined();
    expect(scored).toBe(1);
    expect(await db.sql("SELECT recommendation, score, risk_level FROM risk_scores")).toEqual([
      { recommendation: "allow", score: null, risk_level: null },
    ]);
  });
});

describe("retention", () => {
  it("deletes counters whose window has ended and scores past their day, not the others", async () => {
    await db.sql(
      `INSERT INTO fraud_counters (counter_key, window_start, window_end, hit_limit, hits) VALUES
        ('number/1h:old', '2026-01-01T00:00Z', '2026-01-01T01:00Z', 3, 3),
        ('number/1h:now', '2026-01-02T00:00Z', '2026-01-02T01:00Z', 3, 1)`,
    );
    await db.sql(
      `INSERT INTO risk_scores (phone_key, recommendation, scored_at, expires_at) VALUES
        ('old', 'allow', '2025-12-31T00:00Z', '2026-01-01T00:00Z'), ('now', 'block', '2026-01-01T12:00Z', '2026-01-02T12:00Z')`,
    );
    const run = await databaseFraudRetention(db.database).deleteExpired(
      new Date("2026-01-02T00:30Z"),
      Number.POSITIVE_INFINITY,
    );
    expect(run).toEqual({ done: 2, complete: true });
    expect(await db.sql("SELECT counter_key FROM fraud_counters")).toEqual([{ counter_key: "number/1h:now" }]);
    expect(await db.sql("SELECT phone_key FROM risk_scores")).toEqual([{ phone_key: "now" }]);
  });

  it("an instance whose clock lags keeps its current counter: a counter goes only 5 minutes after its window ended", async () => {
    await db.sql(
      `INSERT INTO fraud_counters (counter_key, window_start, window_end, hit_limit, hits)
       VALUES ('number/1h:pumped', '2026-01-02T00:00Z', '2026-01-02T01:00Z', 3, 3)`,
    );
    const retention = databaseFraudRetention(db.database);
    // The sweep's clock says 01:04: an instance 4 minutes behind still counts in the window that ends at 01:00.
    expect(await retention.deleteExpired(new Date("2026-01-02T01:04Z"), Number.POSITIVE_INFINITY)).toEqual({
      done: 0,
      complete: true,
    });
    expect(await db.sql("SELECT hits FROM fraud_counters")).toEqual([{ hits: 3 }]);
    expect(await retention.deleteExpired(new Date("2026-01-02T01:06Z"), Number.POSITIVE_INFINITY)).toEqual({
      done: 1,
      complete: true,
    });
  });
});
