import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import path from "node:path";
import { parseCommandLine, UsageError } from "../tools/command-line.ts";
import { projectRoot } from "../tools/project-root.mjs";
import { coldStart } from "./cold-starts.ts";
import { consoleBench } from "./console.ts";
import { deadline } from "./deadline.ts";
import { localOverhead } from "./local-overhead.ts";
import { overHttp } from "./over-http.ts";
import { productionShaped } from "./production-shaped.ts";
import { retentionBench } from "./retention.ts";
import type { Stats } from "./statistics.ts";
import { warmInProcess } from "./warm.ts";

const parts = ["warm", "http", "cold", "deadline", "retention", "local", "production", "console"];
const usage = `Usage: npm run bench -- [--only <parts>] [--smoke] [--console-records <codes>]

  --only <parts>  only these parts, comma-separated: ${parts.join(", ")} (--only warm,cold or --only=warm,cold)
  --console-records <codes>  codes of the console's week (default 100000; a busy org: 1000000)
  --smoke         each part tiny, to keep the script working: its figures mean nothing`;
const { smoke, only, consoleRecords } = parseCommandLine(
  usage,
  { only: { type: "string" }, smoke: { type: "boolean" }, "console-records": { type: "string" } },
  (values) => {
    const only = typeof values.only === "string" ? values.only.split(",") : undefined;
    const unknown = only?.find((part) => !parts.includes(part));
    if (unknown !== undefined) throw new UsageError(`--only takes parts from ${parts.join(", ")}, not "${unknown}"`);
    const records = values["console-records"];
    if (records !== undefined && !/^[1-9][0-9]{0,7}$/.test(String(records)))
      throw new UsageError("--console-records takes a whole number of codes, e.g. 1000000");
    return { smoke: values.smoke === true, only, consoleRecords: records === undefined ? 100_000 : Number(records) };
  },
);
const runs = (part: string) => only === undefined || only.includes(part);

// Run ------------------------------------------------------------------------------------------

const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version };
console.log(
  `bench on ${machine.cpus} × ${machine.cpu}, Node ${machine.node}${smoke ? " (smoke run: figures mean nothing)" : ""}`,
);

const warm = runs("warm") ? await warmInProcess(smoke) : undefined;
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

const http = runs("http") ? await overHttp(smoke) : undefined;
if (http !== undefined) {
  console.log(`\n2. over HTTP through Netlify's emulation (Telesign answers in ${http.telesignDelayMs} ms), ms`);
  console.table(http.results);
}

const cold = runs("cold") ? await coldStart(smoke) : undefined;
if (cold !== undefined) {
  console.log("\n3. cold start, built by Netlify's bundler (median of runs, process start to first answer)");
  const { sides } = cold;
  console.table(sides);
  const ratio = (name: string, of: "medianMs" | "medianCpuMs" = "medianMs") =>
    ((sides[name]?.[of] ?? 0) / (sides.floor?.[of] ?? 1)).toFixed(2);
  console.log(`   hook / floor = ${ratio("hook")}× (with node_modules unbundled: ${ratio("hook, unbundled")}×)`);
  console.log(
    `   in CPU time, less sensitive to a busy machine: ${ratio("hook", "medianCpuMs")}× (unbundled: ${ratio("hook, unbundled", "medianCpuMs")}×)`,
  );
}

const budget = runs("deadline") ? await deadline(smoke) : undefined;
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

const local = runs("local") ? await localOverhead(smoke) : undefined;
if (local !== undefined) {
  console.log("\n6. local: what npm start's emulation adds to each request (one at a time), ms");
  console.table(local);
}

const production = runs("production") ? await productionShaped(smoke) : undefined;
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
  ? await consoleBench(
      smoke ? { records: 2_000, repeats: 3 } : { records: consoleRecords, repeats: consoleRecords > 200_000 ? 5 : 15 },
    )
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
  const { hours, seconds } = consoleReads.rollup;
  console.log(
    `   rolling up the week's ${hours} closed hours (the scheduled job's work, once): ${seconds.toFixed(1)} s,` +
      ` ${((seconds * 1000) / Math.max(hours, 1)).toFixed(0)} ms an hour`,
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
