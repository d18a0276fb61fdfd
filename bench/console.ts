/**
 * The helpdesk console's reads at scale: a week of traffic (100,000 codes by default; a busy org's
 * 1,000,000 with --console-records) with their delivery statuses, in Netlify's local database
 * engine (PGlite, migrated, in process), then each page's statements timed beside the floor:
 * `SELECT 1`, the cheapest statement a page could make. The health figures are timed twice: with
 * nothing rolled up (every code read live, as before the rollups), then once the scheduled job
 * rolled up the week's closed hours (only the last day read live).
 */

import { PGlite } from "@electric-sql/pglite";
import { backgroundTraffic, demoUser, demoUserCodes, insertTraffic } from "../simulator/console-traffic.ts";
import { periodStart } from "../src/console/console-records.ts";
import { databaseRecords } from "../src/console/database-records.ts";
import { rollUpHealth } from "../src/console/health-rollup.ts";
import type { Database } from "../src/storage/database.ts";
import { migrate } from "../tools/local-database.ts";
import { median } from "./statistics.ts";

export interface ConsoleBenchRow {
  read: string;
  statements: number;
  p50Ms: number;
  /** p50 over the floor's p50, measured in the same run. */
  ratio: number;
}

export interface ConsoleBench {
  records: number;
  seedSeconds: number;
  rows: ConsoleBenchRow[];
  /** The job rolling up the week's closed hours, once. */
  rollup: { hours: number; seconds: number };
}

const phoneHashKey = "bench-phone-hash-key-of-at-least-32-chars";

export async function consoleBench({ records, repeats }: { records: number; repeats: number }): Promise<ConsoleBench> {
  const pglite = await PGlite.create();
  try {
    await migrate(pglite);
    const now = new Date();
    const seeded = performance.now();
    // About `records` codes over 168 hours, with a daily rhythm.
    const traffic = backgroundTraffic(now, records / 168 / 0.73, phoneHashKey);
    const query = (text: string, params: unknown[]) => pglite.query(text, params).then(({ rows }) => rows);
    await insertTraffic(query, traffic);
    await insertTraffic(query, demoUserCodes(now, phoneHashKey));
    await pglite.exec("ANALYZE");
    const seedSeconds = (performance.now() - seeded) / 1000;
    const [count] = await query("SELECT count(*)::int AS count FROM okta_requests", []);

    let statements = 0;
    const database: Database = {
      query: async (text, params) => {
        statements++;
        return (await pglite.query(text, [...params])).rows as never;
      },
    };
    const console = databaseRecords(() => database, phoneHashKey);
    const [sample] = await console.lookup({ kind: "user", value: demoUser.login });
    // The user with the most codes: a lookup reads at most the newest of them, however many there are.
    const [busiest] = (await query(
      "SELECT okta_login AS login, count(*)::int AS codes FROM okta_requests GROUP BY okta_login ORDER BY codes DESC LIMIT 1",
      [],
    )) as { login: string; codes: number }[];
    const from = (hours: number) => periodStart(now, hours);
    const floorRead = "floor: SELECT 1";
    const health = (when: string): [string, () => Promise<unknown>][] => [
      [`health, last 24 hours (${when})`, () => console.health(from(24), now)],
      [`health, last 7 days (${when})`, () => console.health(from(168), now)],
    ];
    const reads: [string, () => Promise<unknown>][] = [
      [floorRead, () => database.query("SELECT 1", [], { timeoutMs: 60_000 })],
      ["lookup by login", () => console.lookup({ kind: "user", value: demoUser.login })],
      ["lookup by Okta user id", () => console.lookup({ kind: "user", value: demoUser.userId })],
      [
        `lookup by login, the busiest user (${busiest?.codes ?? 0} codes)`,
        () => console.lookup({ kind: "user", value: busiest?.login ?? "" }),
      ],
      ["lookup by phone (keyed hash)", () => console.lookup({ kind: "phone", value: demoUser.phone })],
      ["lookup by eventId", () => console.lookup({ kind: "event", value: sample?.eventId ?? "" })],
      ["lookup by reference id", () => console.lookup({ kind: "reference", value: sample?.referenceId ?? "" })],
    ];
    const rows: ConsoleBenchRow[] = [];
    let floor = 1;
    const time = async ([read, run]: [string, () => Promise<unknown>], repeatsOf = repeats) => {
      if (repeatsOf > 1) await run(); // warm
      const times: number[] = [];
      statements = 0;
      for (let index = 0; index < repeatsOf; index++) {
        const started = performance.now();
        await run();
        times.push(performance.now() - started);
      }
      const p50Ms = median(times);
      if (read === floorRead) floor = p50Ms;
      rows.push({ read, statements: statements / repeatsOf, p50Ms, ratio: p50Ms / floor });
    };
    for (const read of reads) await time(read);
    // Every code read live, as before the rollups: at a busy org's volume a minute or more a read, so read once.
    for (const read of health("nothing rolled up: all live")) await time(read, records > 200_000 ? 1 : repeats);
    const rolling = performance.now();
    const rolled = await rollUpHealth(database, {
      now,
      retentionDays: 7,
      deadline: Number.POSITIVE_INFINITY,
      maxHours: 1_000,
    });
    const rollup = { hours: rolled.rolled, seconds: (performance.now() - rolling) / 1000 };
    await pglite.exec("ANALYZE");
    await time(reads[0] as [string, () => Promise<unknown>]); // the floor again, beside the reads of rollups
    for (const read of health("closed hours rolled up")) await time(read);
    return { records: (count as { count: number }).count, seedSeconds, rows, rollup };
  } finally {
    await pglite.close();
  }
}
