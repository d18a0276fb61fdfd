import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { backgroundTraffic, demoUserCodes, insertTraffic, type Traffic } from "../simulator/console-traffic.ts";
import { type HealthFigures, periodStart } from "../src/console/console-records.ts";
import { databaseRecords } from "../src/console/database-records.ts";
import { createHealthRollup, rollUpHealth, rollupDelayMs } from "../src/console/health-rollup.ts";
import type { Logger } from "../src/log.ts";
import type { Database } from "../src/storage/database.ts";
import { hourMs } from "../src/support/calendar.ts";
import { DeadlineExceeded } from "../src/support/deadline.ts";
import { useDatabase } from "./support/database.ts";
import { singleStatementHealth } from "./support/health-statement.ts";

/**
 * The health page's hourly rollups: a period's figures from rolled-up hours and live reads are
 * the figures the single statement over every request gives (percentiles within half a bucket),
 * whatever is rolled up; the job is bounded and resumes; the rollups go with the retention.
 */

const { database, sql } = useDatabase();
const phoneHashKey = "the-phone-hash-key-of-these-tests-0123456789";
const now = new Date("2026-12-06T10:30:00.000Z");
const week = () => periodStart(now, 168);
/** Short, so that the tests roll up fewer hours: the cutoff is 2026-12-05T00:00Z. */
const retentionDays = 1;
const at = (iso: string) => new Date(iso).toISOString();
/** A reference id as Telesign gives them: 32 hex digits. */
const ref = (seed: string) => createHash("sha256").update(seed).digest("hex").slice(0, 32).toUpperCase();

/** Codes at the edges: hour boundaries, late and early reports, duplicates, blocked, refused, failed in a later hour. */
function edgeCases(): Traffic {
  const request = (seed: string, receivedAt: string, fields: Record<string, unknown> = {}) => ({
    received_at: at(receivedAt),
    event_id: `edge-${seed}`,
    okta_request_id: `req-${seed}`,
    request_type: "com.okta.user.telephony.mfa-verification",
    channel: "sms" as const,
    okta_user_id: "00uedge",
    okta_login: "edge@example.com",
    phone_masked: "+44******0123",
    phone_hash: null,
    country_code: "44",
    outcome: "accepted",
    reference_id: ref(seed),
    telesign_code: 3001,
    duration_ms: 400,
    destination_country: "GB",
    ...fields,
  });
  const status = (seed: string, code: number, recordedAt: string, source: "send" | "callback" = "callback") => ({
    reference_id: ref(seed),
    code,
    description: code === 3000 ? "Delivered" : code === 3031 ? "Delivery failed" : "Message in progress",
    updated_on: at(recordedAt),
    dated: true,
    source,
    recorded_at: at(recordedAt),
  });
  return {
    requests: [
      // On the hour and a millisecond before the next: each in its own hour.
      request("on-hour", "2026-12-05T05:00:00.000Z"),
      request("end-of-hour", "2026-12-05T05:59:59.999Z", { duration_ms: 3_000 }),
      // Delivered 23 hours later: counted delivered, even once the hour is rolled up.
      request("late", "2026-12-05T00:10:00.000Z"),
      // Failed at the carrier in the next hour (the error counts in the report's hour).
      request("failed-later", "2026-12-05T01:58:00.000Z"),
      // Two requests of one eventId: the repeat is no code of its own.
      request("twice", "2026-12-05T03:00:00.000Z"),
      request("twice-repeat", "2026-12-05T03:00:01.000Z", { event_id: "edge-twice", outcome: "duplicate" }),
      request("blocked", "2026-12-05T04:00:00.000Z", {
        outcome: "blocked",
        reference_id: null,
        telesign_code: null,
        fraud_verdict: "blocked",
        fraud_rules: "rate_limit,country",
        fraud_scope: "number/1h",
        duration_ms: 9,
      }),
      request("refused", "2026-12-05T07:00:00.000Z", { outcome: "rejected", telesign_code: 3101 }),
      request("no-channel", "2026-12-05T08:00:00.000Z", { channel: null, destination_country: null }),
      // Today: read live.
      request("today", "2026-12-06T09:15:00.000Z", { channel: "voice", duration_ms: 2_999 }),
    ],
    statuses: [
      status("on-hour", 3000, "2026-12-05T05:00:04.000Z"),
      status("end-of-hour", 3000, "2026-12-05T06:00:03.000Z"),
      status("late", 3001, "2026-12-05T00:10:00.400Z", "send"),
      status("late", 3000, "2026-12-05T23:10:00.000Z"),
      status("failed-later", 3031, "2026-12-05T02:00:30.000Z"),
      status("twice", 3000, "2026-12-05T03:00:05.000Z"),
      {
        ...status("refused", 3101, "2026-12-05T07:00:00.300Z", "send"),
        description: "Invalid value for parameter phone_number",
      },
      status("today", 3031, "2026-12-06T09:16:00.000Z"),
    ],
  };
}

async function seed() {
  const query = (text: string, params: unknown[]) => sql(text, params);
  await insertTraffic(query, backgroundTraffic(now, 6, phoneHashKey, 36));
  await insertTraffic(query, demoUserCodes(now, phoneHashKey));
  await insertTraffic(query, edgeCases());
}

/** The figures must match the single statement's: counts exactly, percentiles within half a bucket. */
function expectSameFigures(actual: HealthFigures, expected: HealthFigures) {
  const { timeToDelivered, hookDuration, ...counts } = actual;
  const { timeToDelivered: expectedDelivered, hookDuration: expectedDuration, ...expectedCounts } = expected;
  expect(counts).toEqual(expectedCounts);
  expect(hookDuration.count).toBe(expectedDuration.count);
  expect(hookDuration.overLimit).toBe(expectedDuration.overLimit);
  expect(timeToDelivered.count).toBe(expectedDelivered.count);
  for (const key of ["p50Ms", "p95Ms"] as const) {
    expect(Math.abs((hookDuration[key] ?? 0) - (expectedDuration[key] ?? 0)), `hook ${key}`).toBeLessThanOrEqual(5);
    const delivered = expectedDelivered[key] ?? 0;
    expect(Math.abs((timeToDelivered[key] ?? 0) - delivered), `delivered ${key}`).toBeLessThanOrEqual(
      delivered * 0.01 + 1,
    );
  }
}

const rolledHours = async () =>
  (await sql<{ hour: string }>("SELECT to_json(hour) #>> '{}' AS hour FROM health_hours ORDER BY hour", [])).map(
    ({ hour }) => new Date(hour).toISOString(),
  );

const run = (at: Date, options: { maxHours?: number; deadline?: number } = {}) =>
  rollUpHealth(database(), { now: at, retentionDays, deadline: performance.now() + 60_000, ...options });

describe("health rollups", () => {
  const compare = async () => {
    const records = databaseRecords(database, phoneHashKey);
    // The week (rolled-up hours, then live ones) and a period that starts in the middle of the rolled-up ones.
    for (const from of [week(), new Date("2026-12-05T03:00:00.000Z")]) {
      expectSameFigures(await records.health(from, now), await singleStatementHealth(database(), from, now));
    }
  };

  it("give the figures the single statement gives, nothing rolled up yet (all read live)", async () => {
    await seed();
    await compare();
  });

  it("give the figures the single statement gives, some hours rolled up (rollups, then live)", async () => {
    await seed();
    await run(now, { maxHours: 4 });
    await compare();
  });

  it("give the figures the single statement gives, every due hour rolled up", async () => {
    await seed();
    await run(now);
    await compare();
    const figures = await databaseRecords(database, phoneHashKey).health(week(), now);
    expect(figures.blockedByRule).toEqual(expect.arrayContaining([{ rule: "rate_limit", count: expect.any(Number) }]));
    expect(figures.telesignErrors.find(({ code }) => code === 3101)?.description).toBe(
      "Invalid value for parameter phone_number",
    );
  });

  it("roll up only hours whose reports can no longer change: a day and an hour after their start", async () => {
    await seed();
    await run(now);
    const hours = await rolledHours();
    expect(hours.at(-1)).toBe("2026-12-05T09:00:00.000Z");
    expect(Date.parse(hours.at(-1) ?? "") + rollupDelayMs).toBeLessThanOrEqual(now.getTime());
    // The late report (23 h after its code) came before its hour was rolled up: delivered in the rollup.
    const [late] = await sql<{ verdict: string; count: number }>(
      "SELECT verdict, count FROM health_outcomes WHERE hour = '2026-12-05T00:00:00Z' AND country = 'GB' AND channel = 'sms' AND verdict = 'delivered'",
      [],
    );
    expect(late?.count).toBeGreaterThanOrEqual(1);
  });

  it("is bounded: a run rolls up at most its hours and none after its deadline; the next resumes where it stopped", async () => {
    await seed();
    expect(await run(now, { deadline: performance.now() - 1 })).toMatchObject({ rolled: 0, complete: false });
    expect(await run(now, { maxHours: 4 })).toMatchObject({ rolled: 4, complete: false });
    const first = await rolledHours();
    expect(first).toHaveLength(4);
    expect(first[0]).toBe("2026-12-05T00:00:00.000Z"); // the retention's cutoff: oldest first
    let runs = 0;
    while (!(await run(now, { maxHours: 4 })).complete) runs++;
    expect(runs).toBe(1);
    const all = await rolledHours();
    expect(all.slice(0, 4)).toEqual(first);
    expect(all).toHaveLength(
      (Date.parse("2026-12-05T10:00:00.000Z") - Date.parse("2026-12-05T00:00:00.000Z")) / hourMs,
    );
    expect(await run(now)).toEqual({ rolled: 0, deleted: 0, complete: true });
  });

  it("an hour cut off by the run's deadline is no failure: the run says there is more to roll up (its timer may fire a little early)", async () => {
    // The cleanup and the list of missing hours answer; the hour's statement outlives its bound at
    // once, as a timer that fires early makes it look: the clock read afterwards is still before the deadline.
    const cutOff: Database = {
      query: async (text, _params, { timeoutMs }) => {
        if (text.includes("DELETE FROM health_hours")) return [{ deleted: 0 }] as never;
        if (text.includes("generate_series")) return [{ hour: "2026-12-05T00:00:00.000Z" }] as never;
        throw new DeadlineExceeded(`no answer within ${timeoutMs} ms`);
      },
    };
    const at = { now, retentionDays, deadline: performance.now() + 5_000 };
    expect(await rollUpHealth(cutOff, at)).toEqual({ rolled: 0, deleted: 0, complete: false });
    // A statement past its own bound, with the run's deadline far off, is a failure all the same.
    await expect(rollUpHealth(cutOff, { ...at, deadline: performance.now() + 60_000 })).rejects.toThrow(
      DeadlineExceeded,
    );
  });

  it("counts each hour once, however many runs overlap", async () => {
    await seed();
    await Promise.all([run(now), run(now), run(now)]);
    const [counts] = await sql<{ hours: number; duplicates: number }>(
      "SELECT count(*)::int AS hours, (SELECT count(*)::int FROM (SELECT hour, channel, country, verdict, rule FROM health_outcomes GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1) d) AS duplicates FROM health_hours",
      [],
    );
    expect(counts?.hours).toBeGreaterThan(0);
    expect(counts?.duplicates).toBe(0);
    expectSameFigures(
      await databaseRecords(database, phoneHashKey).health(week(), now),
      await singleStatementHealth(database(), week(), now),
    );
  });

  it("go with the retention: the rollups of hours wholly past it are deleted, their figures with them", async () => {
    await seed();
    await run(now);
    const later = new Date(now.getTime() + 86_400_000);
    // A bounded number of hours a run, oldest first; the next run deletes the rest.
    expect(await run(later, { maxHours: 4 })).toMatchObject({ deleted: 4, complete: false });
    expect((await rolledHours())[0]).toBe("2026-12-05T04:00:00.000Z");
    expect(await run(later)).toMatchObject({ deleted: 6, complete: true });
    const hours = await rolledHours();
    expect(hours[0]).toBe("2026-12-06T00:00:00.000Z");
    const [left] = await sql<{ orphans: number }>(
      "SELECT (SELECT count(*) FROM health_outcomes WHERE hour < '2026-12-06') + (SELECT count(*) FROM health_timings WHERE hour < '2026-12-06') + (SELECT count(*) FROM health_errors WHERE hour < '2026-12-06') AS orphans",
      [],
    );
    expect(Number(left?.orphans)).toBe(0);
  });

  it("hold nothing that names a person: no user, login, phone or reference column", async () => {
    const columns = await sql<{ column: string }>(
      "SELECT column_name AS column FROM information_schema.columns WHERE table_name LIKE 'health_%'",
      [],
    );
    expect(columns.map(({ column }) => column).sort()).toEqual(
      [
        "bucket",
        "channel",
        "code",
        "count",
        "count",
        "count",
        "country",
        "description",
        "hour",
        "hour",
        "hour",
        "hour",
        "rolled_up_at",
        "rule",
        "timing",
        "verdict",
      ].sort(),
    );
  });

  it("the scheduled step logs what it did, and a misconfigured retention rolls up nothing", async () => {
    await seed();
    const lines: Record<string, unknown>[] = [];
    const log: Logger = (level, message, fields) => lines.push({ level, message, ...fields });
    const step = createHealthRollup({
      config: { ok: true, config: { retentionDays }, warnings: [] },
      database,
      now: () => now,
      log,
    });
    expect(await step()).toMatchObject({ complete: true });
    expect(lines).toEqual([expect.objectContaining({ level: "info", message: "health rollup", outcome: "rolled_up" })]);
    const misconfigured = createHealthRollup({
      config: {
        ok: false,
        problems: [{ variables: ["TRANSACTION_RETENTION_DAYS"], message: "not a number" }],
        warnings: [],
      },
      database,
      log,
    });
    expect(await misconfigured()).toBeUndefined();
    expect(lines.at(-1)).toMatchObject({ level: "error", outcome: "misconfigured" });
  });
});
