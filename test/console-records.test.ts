import { describe, expect, it } from "vitest";
import { backgroundTraffic, demoUser, demoUserCodes, insertTraffic } from "../simulator/console-traffic.ts";
import { type CodeRecord, LookupUnavailable, periodStart } from "../src/console/console-records.ts";
import { databaseRecords } from "../src/console/database-records.ts";
import { rollUpHealth } from "../src/console/health-rollup.ts";
import { verdictOf } from "../src/console/verdict.ts";
import { oktaLimitMs } from "../src/okta/time-limit.ts";
import type { Database } from "../src/storage/database.ts";
import { databaseTransactionStore } from "../src/storage/transaction-store.ts";
import { useDatabase } from "./support/database.ts";
import { startHook } from "./support/hook.ts";
import { oktaRequest } from "./support/okta-requests.ts";
import { markSensitive } from "./support/sensitive.ts";

/** The console's reads of the hook's tables: lookups by every key an agent has, and the health figures. */

const { database, sql } = useDatabase({ access: "neon-http" });
const phoneHashKey = "the-phone-hash-key-of-these-tests-0123456789";
const now = new Date("2026-12-06T10:30:00.000Z");

async function seed(traffic = demoUserCodes(now, phoneHashKey)) {
  await insertTraffic((text, params) => sql(text, params), traffic);
}

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  Plans?: PlanNode[];
}

/** The database, counting the statements it is given. */
function counted(): { database: () => Database; statements: string[] } {
  const statements: string[] = [];
  return {
    statements,
    database: () => ({
      query: (text, params, options) => {
        statements.push(text);
        return database().query(text, params, options);
      },
    }),
  };
}

describe("lookups", () => {
  it("finds a user's codes by login (any case) or Okta user id, newest first, each with its statuses", async () => {
    await seed();
    const records = databaseRecords(database, phoneHashKey);
    const byLogin = await records.lookup({ kind: "user", value: demoUser.login.toUpperCase() });
    const byId = await records.lookup({ kind: "user", value: demoUser.userId });
    expect(byId).toEqual(byLogin);
    expect(byLogin.map((code) => code.outcome)).toEqual(["accepted", "accepted", "accepted", "blocked", "timeout"]);
    const [delivered, waiting, failed, blocked, fallback] = byLogin;
    expect(delivered).toMatchObject({
      phone: "+1******0142",
      country: "US",
      channel: "sms",
      requestType: "com.okta.user.telephony.mfa-verification",
      login: demoUser.login,
      telesign: { code: 3001, description: "Message in progress" },
      reports: [{ code: 3000, description: "Delivered" }],
    });
    expect(delivered?.referenceId).toMatch(/^[0-9A-F]{32}$/);
    expect(Date.parse(delivered?.reports[0]?.at ?? "") - Date.parse(delivered?.requestedAt ?? "")).toBe(4_000);
    expect(waiting?.reports).toEqual([]);
    expect(failed?.reports).toMatchObject([{ code: 3031 }]);
    expect(blocked).toMatchObject({ rule: "rate_limit", scope: "number/1h" });
    expect(blocked?.referenceId).toBeUndefined();
    expect(fallback).toMatchObject({ channel: "voice", hookDurationMs: 2540 });
  });

  it("finds codes by the full phone number through its keyed hash; never by its masked form", async () => {
    await seed();
    const records = databaseRecords(database, phoneHashKey);
    expect(await records.lookup({ kind: "phone", value: demoUser.phone })).toHaveLength(5);
    expect(await records.lookup({ kind: "phone", value: "15555550143" })).toEqual([]);
    const stored = await sql<{ phone_hash: string }>("SELECT DISTINCT phone_hash FROM okta_requests");
    expect(JSON.stringify(stored)).not.toContain(demoUser.phone);
  });

  it("clock skew: the time to delivered is on the hook's clock (when the report arrived), not Telesign's", async () => {
    await seed();
    await sql("UPDATE delivery_statuses SET updated_on = '2030-01-01T00:00:00Z'");
    const [delivered] = await databaseRecords(database, phoneHashKey).lookup({ kind: "user", value: demoUser.userId });
    expect(Date.parse(delivered?.reports[0]?.at ?? "") - Date.parse(delivered?.requestedAt ?? "")).toBe(4_000);
    expect(verdictOf(delivered as CodeRecord, now).text).toBe("Delivered to the handset 4 s after Okta asked");
  });

  it.each([
    ["user", demoUser.userId],
    ["user", demoUser.login],
    ["phone", demoUser.phone],
    ["event", "e"],
    ["reference", "R"],
  ] as const)(
    "reads no more than the limit: a lookup by %s is limited inside each index's scan",
    async (kind, value) => {
      const { database: countedDatabase, statements } = counted();
      const params: (readonly unknown[])[] = [];
      const spied: () => Database = () => ({
        query: (text, parameters, options) => {
          params.push(parameters);
          return countedDatabase().query(text, parameters, options);
        },
      });
      await databaseRecords(spied, phoneHashKey).lookup({ kind, value });
      const [explained] = await sql<{ "QUERY PLAN": { Plan: PlanNode }[] }>(`EXPLAIN (FORMAT JSON) ${statements[0]}`, [
        ...(params[0] ?? []),
      ]);
      // Every read of the requests' table has a Limit inside the union (or subquery), beside the outer one.
      const scans: number[] = [];
      const walk = (node: PlanNode, limits: number) => {
        const below = limits + (node["Node Type"] === "Limit" ? 1 : 0);
        if (node["Relation Name"] === "okta_requests") scans.push(below);
        for (const child of node.Plans ?? []) walk(child, below);
      };
      walk(explained?.["QUERY PLAN"][0]?.Plan as PlanNode, 0);
      expect(scans.length).toBe(kind === "user" ? 2 : 1);
      expect(scans.every((limits) => limits >= 2)).toBe(true);
    },
  );

  it("says lookup by phone needs the hash key when the site has none", async () => {
    await expect(databaseRecords(database, undefined).lookup({ kind: "phone", value: demoUser.phone })).rejects.toThrow(
      LookupUnavailable,
    );
  });

  it("finds one code by eventId or by Telesign's reference id (the System Log's transaction id)", async () => {
    await seed();
    const records = databaseRecords(database, phoneHashKey);
    const [newest] = await records.lookup({ kind: "user", value: demoUser.login });
    expect(await records.lookup({ kind: "event", value: newest?.eventId ?? "" })).toEqual([newest]);
    expect(await records.lookup({ kind: "reference", value: newest?.referenceId ?? "" })).toEqual([newest]);
  });

  it("an agent's text is a parameter, never SQL", async () => {
    await seed();
    const records = databaseRecords(database, phoneHashKey);
    expect(await records.lookup({ kind: "user", value: "' OR '1'='1" })).toEqual([]);
    expect(await records.lookup({ kind: "event", value: "x'); DROP TABLE okta_requests; --" })).toEqual([]);
    expect(await sql("SELECT 1 FROM okta_requests LIMIT 1")).toHaveLength(1);
  });

  it("monitor mode: a code the guard would have blocked says so, and was sent", async () => {
    await seed();
    await sql(
      "UPDATE okta_requests SET fraud_verdict = 'would_block', fraud_rules = 'country' WHERE outcome = 'accepted'",
    );
    const [code] = await databaseRecords(database, phoneHashKey).lookup({ kind: "user", value: demoUser.login });
    expect(code).toMatchObject({ outcome: "accepted", monitored: "country" });
    expect(code?.rule).toBeUndefined();
  });
});

describe("what the hook records", () => {
  it("is what the console finds: a code the hook just sent shows up, by login and by the full number", async () => {
    const transactions = databaseTransactionStore(database);
    const hook = startHook({ PHONE_HASH_KEY: phoneHashKey }, {}, { transactions: () => transactions });
    markSensitive("604213", "15555550177");
    const { json } = await hook.call(
      oktaRequest({ otpCode: "604213", msgTemplate: "Your code is 604213", phoneNumber: "+1 555 555 0177" }),
    );
    await Promise.all(hook.afterResponse);
    const records = databaseRecords(database, phoneHashKey);
    const [byLogin] = await records.lookup({ kind: "user", value: "test.user@okta.com" });
    expect(byLogin).toMatchObject({
      outcome: "accepted",
      channel: "sms",
      phone: "+1******0177",
      referenceId: json.commands[0].value[0].transactionId,
      requestType: "com.okta.user.telephony.pre-enrollment",
    });
    expect(await records.lookup({ kind: "phone", value: "15555550177" })).toEqual([byLogin]);
    expect(verdictOf(byLogin as CodeRecord, new Date()).kind).toBe("pending");
  });
});

describe("health figures", () => {
  const from = new Date("2026-12-06T07:00:00.000Z");

  it("cover whole hours: a period starts on the hour, its last hour the one now is in", () => {
    expect(periodStart(now, 24).toISOString()).toBe("2026-12-05T11:00:00.000Z");
    expect(periodStart(now, 168).toISOString()).toBe("2026-11-29T11:00:00.000Z");
    expect(periodStart(new Date("2026-12-06T10:00:00.000Z"), 1).toISOString()).toBe("2026-12-06T10:00:00.000Z");
  });

  it("a send Telesign refused is counted with its description, from the send's status", async () => {
    await seed(backgroundTraffic(now, 20, phoneHashKey, 24));
    const figures = await databaseRecords(database, phoneHashKey).health(new Date(now.getTime() - 86_400_000), now);
    const refused = figures.telesignErrors.find(({ code }) => code === 3101);
    expect(refused?.count).toBeGreaterThan(0);
    expect(refused?.description).toBe("Invalid value for parameter phone_number");
  });

  it("count each code once, by what became of it, in its hour, channel and country", async () => {
    await seed();
    const figures = await databaseRecords(database, phoneHashKey).health(from, now);
    expect(figures.hourly.map((hour) => hour.hour)).toEqual([
      "2026-12-06T07:00:00.000Z",
      "2026-12-06T08:00:00.000Z",
      "2026-12-06T09:00:00.000Z",
      "2026-12-06T10:00:00.000Z",
    ]);
    // 10:27 delivered, 10:16 waiting, 10:04 failed; 09:49 blocked, 09:35 fallen back.
    expect(figures.hourly[2]).toMatchObject({ delivered: 0, pending: 0, failed: 0, blocked: 1, fallback: 1 });
    expect(figures.hourly[3]).toMatchObject({ delivered: 1, pending: 1, failed: 1, blocked: 0, fallback: 0 });
    expect(figures.byChannel).toEqual([{ key: "sms", sent: 3, delivered: 1, failed: 1 }]);
    expect(figures.byCountry).toEqual([{ key: "US", sent: 3, delivered: 1, failed: 1 }]);
    // Percentiles are the middle of their bucket: 4,000 ms lies in the one from 1.02^418 ms (3,935) to
    // 1.02^419 ms (4,014), 412 ms in the one from 410 to 420 ms.
    expect(figures.timeToDelivered).toEqual({ count: 1, p50Ms: 3974, p95Ms: 3974 });
    expect(figures.hookDuration).toMatchObject({ count: 5, overLimit: 0, p50Ms: 415 });
    expect(figures.blockedByRule).toEqual([{ rule: "rate_limit", count: 1 }]);
    expect(figures.telesignErrors).toEqual([{ code: 3031, description: "Delivery failed", count: 1 }]);
  });

  it("count as past Okta's limit each answer that took oktaLimitMs or longer", async () => {
    const traffic = demoUserCodes(now, phoneHashKey);
    const durations = [oktaLimitMs - 1, oktaLimitMs, oktaLimitMs + 400, 12, 388];
    traffic.requests.forEach((request, index) => {
      request.duration_ms = durations[index] ?? 0;
    });
    await seed(traffic);
    const figures = await databaseRecords(database, phoneHashKey).health(from, now);
    expect(figures.hookDuration).toMatchObject({ count: 5, overLimit: 2 });
  });

  it("leave out what is outside the period", async () => {
    await seed();
    const figures = await databaseRecords(database, phoneHashKey).health(
      new Date("2026-12-05T07:00:00.000Z"),
      new Date("2026-12-05T10:00:00.000Z"),
    );
    expect(figures.hookDuration.count).toBe(0);
    expect(figures.hourly).toHaveLength(3);
    expect(figures.hourly.every((hour) => hour.delivered + hour.failed + hour.blocked === 0)).toBe(true);
    expect(figures.timeToDelivered).toEqual({ count: 0 });
  });

  it("cost a few statements whatever the traffic: the rolled-up hours, then one per run of hours read live", async () => {
    const { database: countedDatabase, statements } = counted();
    const records = databaseRecords(countedDatabase, phoneHashKey);
    const week = periodStart(now, 168);
    await records.health(week, now);
    expect(statements).toHaveLength(2); // nothing rolled up: the hours rolled up (none), the week live
    await seed(backgroundTraffic(now, 20, phoneHashKey, 48));
    // A day's retention: the hours of 2026-12-05 up to 09:00 are due.
    await rollUpHealth(database(), { now, retentionDays: 1, deadline: performance.now() + 60_000 });
    statements.length = 0;
    await records.health(week, now);
    // The hours rolled up, their sum, the hours before them live, the last day live.
    expect(statements).toHaveLength(4);
  });
});
