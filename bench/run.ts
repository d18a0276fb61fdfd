/**
 * `npm run bench`: the hook side by side with the floor (bench/functions/floor.mts, the least any
 * hook can do), in one process tree and one run, so that ratios survive a noisy machine.
 *
 *   1. warm, in process: the real handler, a zero-latency fake Telesign
 *   2. over HTTP, through Netlify's local emulation, Telesign answering after a fixed delay
 *   3. cold start: a fresh Node process imports the function as Netlify's bundler deploys it
 *   4. deadline: answer times against the budget when Telesign hangs
 *   5. retention: a day of a busy org's records swept hourly, every database statement 20 ms slower
 *   6. local: what `npm start`'s emulation adds to each request (answer time minus the function's own)
 *   7. production-shaped: in process, Netlify Database answering each statement after 20 ms and
 *      Telesign after 150 ms; the hook (claim in the database, record after the answer) and the floor
 *   8. console: the helpdesk console's lookups and health figures on a week of 100,000 codes,
 *      beside `SELECT 1` (bench/console.ts)
 *
 * `--smoke` runs each part tiny, to keep the script working; figures from it mean nothing.
 * Results: a table on stdout and bench/results/bench.json.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import { zipFunctions } from "@netlify/zip-it-and-ship-it";
import { previewRequest, sendPreview } from "../preview/okta-preview.ts";
import { serveTelesignSimulator } from "../simulator/server.ts";
import { TelesignSimulator } from "../simulator/telesign-simulator.ts";
import { parseConfig } from "../src/config.ts";
import { parseGuardConfig } from "../src/fraud/guard-config.ts";
import { createTelephonyHook } from "../src/handlers/telesign.ts";
import type { Logger } from "../src/log.ts";
import { createDuplicateEvents } from "../src/storage/duplicate-events.ts";
import { databaseRateCounters, databaseRiskCache } from "../src/storage/fraud-store.ts";
import { databaseTransactionStore } from "../src/storage/transaction-store.ts";
import { basicAuthorization } from "../src/telesign/request-signing.ts";
import { buildFunctions } from "../tools/build.mjs";
import { parseCommandLine, UsageError } from "../tools/command-line.ts";
import { migrate } from "../tools/local-database.ts";
import { freePort, serveFunctions, simulatorCredential, startLocalStack } from "../tools/local-stack.ts";
import { projectRoot } from "../tools/project-root.mjs";
import { consoleBench } from "./console.ts";
import floor from "./functions/floor.mts";
import { retentionBench, withLatency } from "./retention.ts";

const parts = ["warm", "http", "cold", "deadline", "retention", "local", "production", "console"];
const usage = `Usage: npm run bench -- [--only <parts>] [--smoke]

  --only <parts>  only these parts, comma-separated: ${parts.join(", ")} (--only warm,cold or --only=warm,cold)
  --smoke         each part tiny, to keep the script working: its figures mean nothing`;
const { smoke, only } = parseCommandLine(usage, { only: { type: "string" }, smoke: { type: "boolean" } }, (values) => {
  const only = typeof values.only === "string" ? values.only.split(",") : undefined;
  const unknown = only?.find((part) => !parts.includes(part));
  if (unknown !== undefined) throw new UsageError(`--only takes parts from ${parts.join(", ")}, not "${unknown}"`);
  return { smoke: values.smoke === true, only };
});
const runs = (part: string) => only === undefined || only.includes(part);
const hookSecret = "bench-hook-secret";
const floorAuthorization = basicAuthorization(simulatorCredential);
const env = {
  TELESIGN_CUSTOMER_ID: simulatorCredential.customerId,
  TELESIGN_API_KEY: simulatorCredential.apiKey,
  OKTA_AUTH_SECRETS: hookSecret,
  FLOOR_TELESIGN_AUTHORIZATION: floorAuthorization,
};

type Channel = "sms" | "voice";
let eventCounter = 0;
/**
 * A number of its own for each request, its range changing fastest (the counter's digits reversed),
 * as an org's users are spread over many ranges: the toll-fraud guard's default limits never trip.
 */
function benchPhoneNumber(counter: number): string {
  return `+1555${String(counter % 10_000_000)
    .padStart(7, "0")
    .split("")
    .reverse()
    .join("")}`;
}

/** A fresh Okta request (a new eventId each time, as from Okta), from one of many users. */
function oktaBody(channel: Channel): string {
  const request = previewRequest({
    requestType: "com.okta.user.telephony.mfa-verification",
    channel,
    phoneNumber: benchPhoneNumber(eventCounter),
    locale: "EN-US",
    otpCode: "482915",
  });
  request.data.userProfile.userId = `00uBench${eventCounter % 100_000}`;
  request.eventId = `bench-${process.pid}-${eventCounter++}`;
  return JSON.stringify(request);
}

interface Stats {
  n: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
}

function stats(latencies: number[], seconds: number): Stats {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  const round = (value: number) => Number(value.toFixed(3));
  return {
    n: sorted.length,
    perSecond: Math.round(sorted.length / seconds),
    p50: round(at(0.5)),
    p99: round(at(0.99)),
    max: round(sorted.at(-1) ?? 0),
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

// 1. Warm, in process -------------------------------------------------------------------------

async function warmInProcess() {
  const simulator = new TelesignSimulator({ ...simulatorCredential, scenarios: {} });
  const direct: typeof fetch = (input, init) => simulator.handle(new Request(input, init));
  const discard: Logger = (level, message, fields) => void JSON.stringify({ level, message, ...fields });
  const hook = createTelephonyHook({
    config: parseConfig({ ...env, TELESIGN_API_URL: "https://telesign.bench" }),
    duplicates: createDuplicateEvents({ log: discard }),
    fetch: direct,
    log: discard,
  });
  process.env.TELESIGN_API_URL = "https://telesign.bench";
  process.env.FLOOR_TELESIGN_AUTHORIZATION = floorAuthorization;
  const realFetch = globalThis.fetch;

  const candidates = {
    // Okta sends content-length, as every request does once it has crossed the wire.
    hook: (body: string) =>
      hook(
        new Request("http://hook.bench/", {
          method: "POST",
          headers: { authorization: hookSecret, "content-length": String(Buffer.byteLength(body)) },
          body,
        }),
      ),
    floor: (body: string) => {
      globalThis.fetch = direct; // the floor calls the global fetch: the same fake Telesign
      const headers = { "content-length": String(Buffer.byteLength(body)) };
      return floor(new Request("http://hook.bench/", { method: "POST", headers, body })).finally(() => {
        globalThis.fetch = realFetch;
      });
    },
  };
  const perRound = smoke ? 50 : 2_000;
  const rounds = smoke ? 1 : 5;
  const results: Record<string, Stats> = {};
  for (const channel of ["sms", "voice"] as const) {
    const samples: Record<string, { latencies: number[]; seconds: number }> = {
      hook: { latencies: [], seconds: 0 },
      floor: { latencies: [], seconds: 0 },
    };
    // Warm-up: both candidates compiled and cached before anything is measured, and each checked
    // to deliver: a refusal would be measured as a very fast hook.
    for (const [name, call] of Object.entries(candidates)) {
      for (let i = 0; i < 200; i++) {
        const answer = await (await call(oktaBody(channel))).text();
        if (!answer.includes('"SUCCESSFUL"')) throw new Error(`${name} did not deliver: ${answer.slice(0, 200)}`);
      }
    }
    // Interleaved rounds: both candidates see the same machine moments.
    for (let round = 0; round < rounds; round++) {
      for (const [name, call] of Object.entries(candidates)) {
        const bodies = Array.from({ length: perRound }, () => oktaBody(channel));
        const sample = samples[name] as { latencies: number[]; seconds: number };
        const started = performance.now();
        for (const body of bodies) {
          const t0 = performance.now();
          const response = await call(body);
          await response.text();
          sample.latencies.push(performance.now() - t0);
        }
        sample.seconds += (performance.now() - started) / 1000;
      }
    }
    for (const [name, { latencies, seconds }] of Object.entries(samples))
      results[`${name} ${channel}`] = stats(latencies, seconds);
  }
  return results;
}

// 2. Over HTTP, through Netlify's local emulation ---------------------------------------------

async function overHttp() {
  const delayMs = 150;
  const telesign = await serveTelesignSimulator({ ...simulatorCredential, scenarios: {}, latencyMs: delayMs });
  const emulatorEnv = { ...env, TELESIGN_API_URL: telesign.url };
  // Each is its own site on Netlify's emulation, built into a folder of its own.
  const [hook, floorSite] = await Promise.all([
    serveFunctions({ port: await freePort(), env: emulatorEnv, answering: ["telesign"] }),
    serveFunctions({
      port: await freePort(),
      env: emulatorEnv,
      sources: path.join(projectRoot, "bench", "functions"),
      // The floor answers POSTs only; loaded is ready.
      answering: [],
    }),
  ]);
  const urls = { hook: `${hook.baseUrl}/telesign`, floor: `${floorSite.baseUrl}/floor` };
  try {
    const results: Record<string, Stats & { addedP50: number; addedP99: number }> = {};
    for (const concurrency of smoke ? [1] : [1, 4, 16]) {
      const requests = smoke ? 4 : concurrency * 12;
      for (const [name, url] of Object.entries(urls)) {
        const latencies: number[] = [];
        const started = performance.now();
        let next = 0;
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            while (next++ < requests) {
              const t0 = performance.now();
              const response = await fetch(url, {
                method: "POST",
                headers: { authorization: hookSecret },
                body: oktaBody("sms"),
              });
              const answer = await response.text();
              if (!answer.includes("SUCCESSFUL"))
                throw new Error(`${name} answered ${response.status}: ${answer.slice(0, 200)}`);
              latencies.push(performance.now() - t0);
            }
          }),
        );
        const measured = stats(latencies, (performance.now() - started) / 1000);
        const added = (value: number) => Number((value - delayMs).toFixed(1));
        results[`${name} c=${concurrency}`] = {
          ...measured,
          addedP50: added(measured.p50),
          addedP99: added(measured.p99),
        };
      }
    }
    return { telesignDelayMs: delayMs, results };
  } finally {
    await Promise.all([hook.stop(), floorSite.stop()]);
    await telesign.close();
  }
}

// 3. Cold start, as Netlify deploys it ---------------------------------------------------------

async function coldStart() {
  const work = await mkdtemp(path.join(tmpdir(), "bench-cold-"));
  const telesign = await serveTelesignSimulator({ ...simulatorCredential, scenarios: {} });
  try {
    const builtFunctions = path.join(work, "built");
    await buildFunctions(undefined, builtFunctions);
    const built = {
      // As netlify.toml deploys it: pre-built by esbuild, zipped as it is.
      hook: await deployed(builtFunctions, "telesign", work, "none"),
      // As Netlify's own bundler would ship the sources: node_modules unbundled.
      "hook, unbundled": await deployed(path.join(projectRoot, "netlify", "functions"), "telesign", work, "esbuild"),
      floor: await deployed(path.join(projectRoot, "bench", "functions"), "floor", work, "esbuild"),
    };
    const runs = smoke ? 1 : 15;
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(built).map((name) => [name, []]));
    for (let run = 0; run < runs; run++) {
      for (const [name, { entry }] of Object.entries(built)) {
        const { stdout } = await promisify(execFile)(
          process.execPath,
          [path.join(projectRoot, "bench", "cold-start.mjs"), entry],
          {
            env: {
              ...process.env,
              ...env,
              TELESIGN_API_URL: telesign.url,
              BENCH_HOOK_AUTHORIZATION: hookSecret,
              BENCH_REQUEST_BODY: oktaBody("sms"),
              // Netlify's driver, loaded as on Netlify; no database answers here (the port is closed),
              // so the first request pays the client's load and one failed round trip, not a query.
              NETLIFY_DB_URL: "postgres://bench@127.0.0.1:9/bench",
              NETLIFY_DB_DRIVER: "serverless",
            },
          },
        );
        const last = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as { ms: number; ok: boolean };
        if (!last.ok) throw new Error(`${name}: the cold start did not answer SUCCESSFUL`);
        times[name]?.push(last.ms);
      }
    }
    const sides: Record<string, { medianMs: number; zipBytes: number; unzippedBytes: number }> = {};
    for (const [name, { zipBytes, unzippedBytes }] of Object.entries(built)) {
      sides[name] = { medianMs: Number(median(times[name] ?? []).toFixed(1)), zipBytes, unzippedBytes };
    }
    return { runs, sides };
  } finally {
    await telesign.close();
    await rm(work, { recursive: true, force: true });
  }
}

/** Builds one function with Netlify's bundler, as a deploy does, and unzips it. */
async function deployed(directory: string, name: string, work: string, nodeBundler: "none" | "esbuild") {
  const build = async (archiveFormat: "zip" | "none") => {
    const [result] = await zipFunctions(directory, path.join(work, `${name}-${nodeBundler}-${archiveFormat}`), {
      archiveFormat,
      basePath: projectRoot,
      repositoryRoot: projectRoot,
      config: { "*": { nodeBundler } },
      featureFlags: {},
    }).then((all) => all.filter((fn) => fn.name === name));
    if (result === undefined) throw new Error(`${name} was not built`);
    return result.path;
  };
  // The zip is what is deployed (its size); the same build unpacked is what runs.
  const zip = await build("zip");
  const unpacked = await build("none");
  // The entry point names the function module, wherever the bundler put it.
  const entryPoint = await readFile(path.join(unpacked, "___netlify-entry-point.mjs"), "utf8");
  const functionFile = path.join(unpacked, /getLambdaHandler\('([^']+)'\)/.exec(entryPoint)?.[1] ?? `${name}.mjs`);
  return { entry: functionFile, zipBytes: (await stat(zip)).size, unzippedBytes: await sizeOf(unpacked) };
}

async function sizeOf(directory: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(directory, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

// 4. Deadline ----------------------------------------------------------------------------------

async function deadline() {
  const budgetMs = 500;
  const hanging: typeof fetch = () => new Promise<never>(() => {});
  const hook = createTelephonyHook({
    config: parseConfig({ ...env, TELESIGN_TIMEOUT_MS: String(budgetMs) }),
    fetch: hanging,
    log: () => {},
  });
  const overshoots: number[] = [];
  const runs = smoke ? 2 : 200;
  for (let batch = 0; batch < runs / 20; batch++) {
    await Promise.all(
      Array.from({ length: Math.min(20, runs) }, async () => {
        const started = performance.now();
        const response = await hook(
          new Request("http://hook.bench/", {
            method: "POST",
            headers: { authorization: hookSecret },
            body: oktaBody("sms"),
          }),
        );
        const answer = await response.text();
        overshoots.push(performance.now() - started - budgetMs);
        if (!answer.includes("Message provider timed out")) throw new Error(`not a timeout: ${answer.slice(0, 200)}`);
      }),
    );
  }
  const sorted = overshoots.sort((a, b) => a - b);
  const at = (p: number) =>
    Number((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0).toFixed(1));
  return { budgetMs, runs: sorted.length, overshootMs: { p50: at(0.5), p99: at(0.99), max: at(1) } };
}

// 6. Local: npm start's overhead --------------------------------------------------------------

/**
 * `npm start` as a user runs it (simulator, emulation): each answer's time at the client minus
 * the `durationMs` the function logged for it, one request at a time.
 */
async function localOverhead() {
  const lines: string[] = [];
  const stack = await startLocalStack({ port: await freePort(), onOutput: (line) => lines.push(line) });
  const overheads: number[] = [];
  const totals: number[] = [];
  try {
    const requests = smoke ? 4 : 100;
    for (let sent = 0; sent < requests; sent++) {
      const request = JSON.parse(oktaBody("sms")) as { eventId: string };
      const exchange = await sendPreview(stack.url, request, {
        authHeader: { name: stack.headerName, value: stack.secret },
      });
      if (exchange.verdict !== "accept") throw new Error(`not accepted: ${exchange.body.slice(0, 200)}`);
      const durationMs = await loggedDuration(lines, request.eventId);
      overheads.push(exchange.durationMs - durationMs);
      totals.push(exchange.durationMs);
    }
  } finally {
    await stack.stop();
  }
  const summary = (values: number[]) => {
    const { n, p50, p99, max } = stats(values, 1);
    return { n, p50, p99, max };
  };
  return { overheadMs: summary(overheads), answerMs: summary(totals) };
}

/** The durationMs of the hook's log line about an event (the emulator prints it just before the answer). */
async function loggedDuration(lines: string[], eventId: string): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const line = lines.find((candidate) => candidate.includes(`"eventId":"${eventId}"`));
    if (line !== undefined) return (JSON.parse(line) as { durationMs: number }).durationMs;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no log line for event ${eventId}`);
}

// 7. Production-shaped ------------------------------------------------------------------------

/**
 * The hook as it runs on Netlify, in process: its database (Netlify's engine, migrated) answers
 * each statement after `databaseMs`, Telesign after `telesignMs`; the floor calls the same Telesign.
 * The hook's answer waits for one statement (the claim); the record is written after the answer.
 */
async function productionShaped() {
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
      config: parseConfig({ ...env, TELESIGN_API_URL: "https://telesign.bench" }),
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

// Run ------------------------------------------------------------------------------------------

const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version };
console.log(
  `bench on ${machine.cpus} × ${machine.cpu}, Node ${machine.node}${smoke ? " (smoke run: figures mean nothing)" : ""}`,
);

const warm = runs("warm") ? await warmInProcess() : undefined;
if (warm !== undefined) {
  console.log("\n1. warm, in process (zero-latency Telesign), ms");
  console.table(warm);
  for (const channel of ["sms", "voice"]) {
    const hook = warm[`hook ${channel}`] as Stats;
    const floorStats = warm[`floor ${channel}`] as Stats;
    console.log(
      `   ${channel}: hook adds ${(hook.p99 - floorStats.p99).toFixed(3)} ms at p99; keeps ${Math.round((100 * hook.perSecond) / floorStats.perSecond)} % of the floor's throughput`,
    );
  }
}

const http = runs("http") ? await overHttp() : undefined;
if (http !== undefined) {
  console.log(`\n2. over HTTP through Netlify's emulation (Telesign answers in ${http.telesignDelayMs} ms), ms`);
  console.table(http.results);
}

const cold = runs("cold") ? await coldStart() : undefined;
if (cold !== undefined) {
  console.log("\n3. cold start, built by Netlify's bundler (median of runs, process start to first answer)");
  const { sides } = cold;
  console.table(sides);
  const ratio = (name: string) => ((sides[name]?.medianMs ?? 0) / (sides.floor?.medianMs ?? 1)).toFixed(2);
  console.log(`   hook / floor = ${ratio("hook")}× (with node_modules unbundled: ${ratio("hook, unbundled")}×)`);
}

const budget = runs("deadline") ? await deadline() : undefined;
if (budget !== undefined) {
  console.log(`\n4. deadline: Telesign hangs, budget ${budget.budgetMs} ms, ${budget.runs} answers`);
  console.table(budget.overshootMs);
}

const retention = runs("retention")
  ? await retentionBench(smoke ? { records: 50, budgetMs: 2_000 } : { records: 20_000 })
  : undefined;
if (retention !== undefined) {
  console.log(
    `\n5. retention: ${retention.records} records a day (a send and a delivery each) and their claims, expired;` +
      ` statements +${retention.latencyMs} ms; each hourly run takes work for ${retention.budgetMs / 1000} s` +
      ` (seeded in ${retention.seedSeconds} s)`,
  );
  console.table(retention.runs);
  const cleared = retention.runs.at(-1)?.complete === true;
  const deleted = retention.runs.reduce((sum, run) => sum + run.records + run.claims, 0);
  const seconds = retention.runs.reduce((sum, run) => sum + run.seconds, 0);
  // A record is its request, two statuses and a claim: four rows.
  const recordsPerRun = Math.round((deleted / 4 / Math.max(seconds, 0.1)) * (retention.budgetMs / 1000));
  console.log(
    `   ${cleared ? `the backlog cleared in ${retention.runs.length} run(s)` : `not cleared in ${retention.runs.length} runs`}` +
      `: ${deleted.toLocaleString("en")} rows in ${seconds} s, i.e. about ${recordsPerRun.toLocaleString("en")} records` +
      " per run at this pace (target: at least 20,000; the Blobs sweep it replaced: about 10,000)",
  );
}

const local = runs("local") ? await localOverhead() : undefined;
if (local !== undefined) {
  console.log("\n6. local: what npm start's emulation adds to each request (one at a time), ms");
  console.table(local);
}

const production = runs("production") ? await productionShaped() : undefined;
if (production !== undefined) {
  console.log(
    `\n7. production-shaped, in process: each database statement +${production.databaseMs} ms, Telesign +${production.telesignMs} ms, ms`,
  );
  console.table(production.results);
  console.log(
    `   the hook adds ${production.addedP50} ms over the floor at p50 (target: at most one database round trip, ${production.databaseMs} ms);` +
      ` with the rate counters beside the claim (default limits), ${production.guardedP50} ms;` +
      ` ${production.recorded} requests recorded after their answers`,
  );
}

const consoleReads = runs("console")
  ? await consoleBench(smoke ? { records: 2_000, repeats: 3 } : { records: 100_000, repeats: 15 })
  : undefined;
if (consoleReads !== undefined) {
  console.log(
    `\n8. console: ${consoleReads.records.toLocaleString("en")} codes of a week in Netlify's local engine (PGlite, in process), p50 of each read beside the floor`,
  );
  console.table(
    consoleReads.rows.map(({ read, statements, p50Ms, ratio }) => ({
      read,
      statements,
      "p50 ms": Number(p50Ms.toFixed(1)),
      "× floor": Number(ratio.toFixed(1)),
    })),
  );
}

const results = {
  when: new Date().toISOString(),
  machine,
  smoke,
  warm,
  http,
  cold,
  deadline: budget,
  retention,
  local,
  production,
  console: consoleReads,
};
await mkdir(path.join(projectRoot, "bench", "results"), { recursive: true });
await writeFile(path.join(projectRoot, "bench", "results", "bench.json"), `${JSON.stringify(results, null, 2)}\n`);
console.log("\nwritten to bench/results/bench.json");
