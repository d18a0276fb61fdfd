import { PGlite } from "@electric-sql/pglite";
import { TelesignSimulator } from "../simulator/telesign-simulator.ts";
import { parseConfig } from "../src/config.ts";
import { parseGuardConfig } from "../src/fraud/guard-config.ts";
import { createTelephonyHook } from "../src/handlers/telephony-hook.ts";
import { createDuplicateEvents } from "../src/storage/duplicate-events.ts";
import { databaseRateCounters, databaseRiskCache } from "../src/storage/fraud-store.ts";
import { databaseTransactionStore } from "../src/storage/transaction-store.ts";
import { migrate } from "../tools/local-database.ts";
import { simulatorCredential } from "../tools/local-stack.ts";
import floor from "./functions/floor.mts";
import { benchEnv, floorAuthorization, hookSecret, oktaBody } from "./okta-requests.ts";
import { withLatency } from "./retention.ts";
import { stats } from "./statistics.ts";

/** Part of npm run bench: production-shaped. */
/**
 * The hook as it runs on Netlify, in process: its database (Netlify's engine, migrated) answers
 * each statement after `databaseMs`, Telesign after `telesignMs`; the floor calls the same Telesign.
 * The hook's answer waits for one statement (the claim); the record is written after the answer.
 */
export async function productionShaped(smoke: boolean) {
  const databaseMs = 20;
  const telesignMs = 150;
  const pglite = await PGlite.create();
  await migrate(pglite);
  const database = withLatency(pglite, databaseMs);
  const simulator = new TelesignSimulator({ ...simulatorCredential, scenarios: {} });
  const telesign: typeof fetch = async (input, init) => {
    await new Promise((resolve) => setTimeout(resolve, telesignMs));
    return simulator.handle(new Request(input, init));
  };
  const afterResponse: Promise<unknown>[] = [];
  const hookOf = (fraud?: Parameters<typeof createTelephonyHook>[0]["fraud"]) =>
    createTelephonyHook({
      config: parseConfig({ ...benchEnv, TELESIGN_API_URL: "https://telesign.bench" }),
      duplicates: createDuplicateEvents({ database: () => database, log: () => {} }),
      transactions: () => databaseTransactionStore(() => database),
      fraud,
      fetch: telesign,
      log: () => {},
    });
  // Without counters the guard applies its pure rules only; with them, its default limits too.
  const hook = hookOf();
  const guarded = hookOf({
    config: parseGuardConfig({}),
    counters: databaseRateCounters(() => database),
    riskCache: databaseRiskCache(() => database),
  });
  process.env.TELESIGN_API_URL = "https://telesign.bench";
  process.env.FLOOR_TELESIGN_AUTHORIZATION = floorAuthorization;
  const realFetch = globalThis.fetch;
  const candidates = {
    hook: (body: string) =>
      hook(new Request("http://hook.bench/", { method: "POST", headers: { authorization: hookSecret }, body }), {
        waitUntil: (work) => afterResponse.push(work),
      }),
    "hook, rate limits": (body: string) =>
      guarded(new Request("http://hook.bench/", { method: "POST", headers: { authorization: hookSecret }, body }), {
        waitUntil: (work) => afterResponse.push(work),
      }),
    floor: (body: string) => {
      globalThis.fetch = telesign;
      return floor(new Request("http://hook.bench/", { method: "POST", body })).finally(() => {
        globalThis.fetch = realFetch;
      });
    },
  };
  const perRound = smoke ? 3 : 40;
  const rounds = smoke ? 1 : 5;
  const latencies: Record<string, number[]> = { hook: [], "hook, rate limits": [], floor: [] };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [name, call] of Object.entries(candidates)) {
        for (let n = 0; n < perRound; n++) {
          const started = performance.now();
          const answer = await (await call(oktaBody("sms"))).text();
          latencies[name]?.push(performance.now() - started);
          if (!answer.includes('"SUCCESSFUL"')) throw new Error(`${name} did not deliver: ${answer.slice(0, 200)}`);
          // The work after the answer finishes before the next request: this engine runs in this
          // process, one statement at a time, where Netlify's runs beside the function.
          await Promise.all(afterResponse);
        }
      }
    }
    await Promise.all(afterResponse);
    const [{ recorded }] = (
      await pglite.query<{ recorded: number }>("SELECT count(*)::int AS recorded FROM okta_requests")
    ).rows as [{ recorded: number }];
    const results = Object.fromEntries(
      Object.entries(latencies).map(([name, values]) => {
        const { n, p50, p99, max } = stats(values, 1);
        return [name, { n, p50, p99, max }];
      }),
    );
    const addedP50 = Number(((results.hook?.p50 ?? 0) - (results.floor?.p50 ?? 0)).toFixed(1));
    const guardedP50 = Number(((results["hook, rate limits"]?.p50 ?? 0) - (results.floor?.p50 ?? 0)).toFixed(1));
    return { databaseMs, telesignMs, results, addedP50, guardedP50, recorded };
  } finally {
    await pglite.close();
  }
}
