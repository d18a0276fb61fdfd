/**
 * What `npm run load` does: a bounded load run on loopback. The hook's function file runs warm in its own
 * process (with Netlify's local database emulation behind it), the Telesign simulator answers after a
 * realistic delay, and thousands of Okta requests — SMS and voice, some of them failing scenarios —
 * are sent at high concurrency. Every answer is checked against the one expected; the function's
 * heap is sampled after garbage collection as the run goes; its logs are searched for codes.
 * Exit code 0 only with zero wrong answers, zero errors, no leak and a heap that stopped growing.
 *
 *   npm run load -- --requests 5000 --concurrency 64 --telesign-latency 50
 */

import { type ChildProcess, fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { previewRequest } from "../preview/okta-preview.ts";
import { serveTelesignSimulator } from "../simulator/server.ts";
import { messageOf } from "../src/support/error-text.ts";
import { parseCommandLine, wholeNumber } from "../tools/command-line.ts";
import { startLocalDatabase } from "../tools/local-database.ts";
import { simulatorCredential } from "../tools/local-stack.ts";
import { projectRoot } from "../tools/project-root.mjs";
import { percentile } from "./statistics.ts";

/** What each kind of number must get back: most are delivered, some fail in each way. */
const mix = [
  { share: 0.45, channel: "sms", ending: "0100", expected: "SUCCESSFUL" },
  { share: 0.45, channel: "voice", ending: "0101", expected: "SUCCESSFUL" },
  { share: 0.03, channel: "sms", ending: "3101", expected: "3101" },
  { share: 0.03, channel: "voice", ending: "3204", expected: "3204" },
  { share: 0.02, channel: "sms", ending: "0502", expected: "Message provider error" },
  { share: 0.02, channel: "sms", ending: "0200", expected: "Message provider error" },
] as const;

const usage = `Usage: npm run load -- [options]

A bounded load run on loopback: the hook warm in its own process, Netlify's local database, the
Telesign simulator; checks every answer, the logs and memory.

  --requests <n>          how many requests, at most 100,000 (default 5000)
  --concurrency <n>       how many at once, at most 1,000 (default 64)
  --telesign-latency <ms> the simulator's answer time (default 50)
  --max-seconds <s>       stop sending after this long (default 600)
  --out <file>            where the report is written (default bench/results/load.json)`;

/** The command: reads its options from the command line, runs, reports and exits with the verdict. */
export async function runLoad(): Promise<never> {
  const options = parseCommandLine(
    usage,
    {
      requests: { type: "string", default: "5000" },
      concurrency: { type: "string", default: "64" },
      "telesign-latency": { type: "string", default: "50" },
      "max-seconds": { type: "string", default: "600" },
      out: { type: "string", default: "bench/results/load.json" },
    },
    (values) => {
      const number = (option: string) => wholeNumber(option, String(values[option]), 0, Number.MAX_SAFE_INTEGER);
      return {
        requests: number("requests"),
        concurrency: number("concurrency"),
        telesignLatency: number("telesign-latency"),
        maxSeconds: number("max-seconds"),
        out: String(values.out),
      };
    },
  );
  const requests = Math.min(100_000, options.requests);
  const concurrency = Math.min(1_000, options.concurrency);
  const stopAt = Date.now() + options.maxSeconds * 1000;

  const hookSecret = `load-${randomUUID()}`;
  const database = await startLocalDatabase();
  const telesign = await serveTelesignSimulator({
    ...simulatorCredential,
    latencyMs: options.telesignLatency,
  });

  const functionServer = fork(
    path.join(projectRoot, "tools", "function-server.ts"),
    ["netlify/functions/telesign.mts", "0"],
    {
      cwd: projectRoot,
      execArgv: ["--import", "tsx", "--expose-gc"],
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      env: {
        ...process.env,
        TELESIGN_API_URL: telesign.url,
        TELESIGN_CUSTOMER_ID: simulatorCredential.customerId,
        TELESIGN_API_KEY: simulatorCredential.apiKey,
        OKTA_AUTH_MODE: "header",
        OKTA_AUTH_SECRETS: hookSecret,
        NETLIFY_DB_URL: database.url,
        NETLIFY_DB_DRIVER: "server",
      },
    },
  );
  const logLines: Record<string, number> = {};
  const otpCodes = new Set<string>();
  let leaks = 0;
  let functionOutput = "";
  for (const stream of [functionServer.stdout, functionServer.stderr]) {
    stream?.on("data", (chunk: Buffer) => {
      functionOutput += chunk.toString();
      const lines = functionOutput.split("\n");
      functionOutput = lines.pop() ?? "";
      for (const line of lines) {
        const kind =
          `${/"level":"(\w+)"/.exec(line)?.[1] ?? "other"} ${/"message":"([^"]+)"/.exec(line)?.[1] ?? ""}`.trim();
        logLines[kind] = (logLines[kind] ?? 0) + 1;
        // A code standing alone (ids around it are hex or dashed), or a message text.
        const codes = line.match(/(?<![0-9A-Za-z-])\d{6}(?![0-9A-Za-z-])/g) ?? [];
        leaks += codes.filter((code) => otpCodes.has(code)).length + (line.includes("Your code is") ? 1 : 0);
      }
    });
  }
  const port = await new Promise<number>((resolve) =>
    functionServer.on("message", (message: { listening?: number }) => message.listening && resolve(message.listening)),
  );
  const hookUrl = `http://127.0.0.1:${port}/`;

  async function heapUsed(child: ChildProcess): Promise<number> {
    return new Promise((resolve) => {
      const answer = (message: { memory?: { heapUsed: number } }) => {
        if (message.memory === undefined) return;
        child.off("message", answer);
        resolve(message.memory.heapUsed);
      };
      child.on("message", answer);
      child.send({ memory: true });
    });
  }

  function pick(index: number) {
    let point = (index * 0.618033988749895) % 1; // spread evenly, deterministic
    for (const kind of mix) {
      if (point < kind.share) return kind;
      point -= kind.share;
    }
    return mix[0];
  }

  const latencies: number[] = [];
  const wrong: string[] = [];
  const errors: string[] = [];
  const heap: { after: number; heapUsedMb: number }[] = [
    { after: 0, heapUsedMb: (await heapUsed(functionServer)) / 2 ** 20 },
  ];
  let next = 0;
  let done = 0;

  async function worker() {
    while (next < requests && Date.now() < stopAt) {
      const index = next++;
      const kind = pick(index);
      const otpCode = String(100_000 + ((index * 7919) % 900_000));
      otpCodes.add(otpCode);
      const request = previewRequest({
        requestType: "com.okta.user.telephony.mfa-verification",
        channel: kind.channel,
        phoneNumber: `+1555${String(index % 1000).padStart(3, "0")}${kind.ending}`,
        locale: "EN-US",
        otpCode,
      });
      // Many users, as an org has: the toll-fraud guard's default limits are not what is measured.
      request.data.userProfile.userId = `00uLoad${String(index % 5_000).padStart(5, "0")}`;
      request.eventId = randomUUID();
      const started = performance.now();
      try {
        const response = await fetch(hookUrl, {
          method: "POST",
          headers: { authorization: hookSecret, "content-type": "application/json" },
          body: JSON.stringify(request),
          signal: AbortSignal.timeout(10_000),
        });
        const body = (await response.json()) as {
          commands?: [{ value: [{ status: string }] }];
          error?: { errorSummary: string };
        };
        latencies.push(performance.now() - started);
        const got = body.commands?.[0].value[0].status ?? body.error?.errorSummary ?? `HTTP ${response.status}`;
        if (response.status !== 200 || got !== kind.expected)
          wrong.push(`#${index} ${kind.ending}: expected ${kind.expected}, got ${got}`);
      } catch (error) {
        errors.push(`#${index}: ${messageOf(error)}`);
      }
      done++;
      if (done % Math.ceil(requests / 4) === 0)
        heap.push({ after: done, heapUsedMb: (await heapUsed(functionServer)) / 2 ** 20 });
    }
  }

  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  if (heap.at(-1)?.after !== done) heap.push({ after: done, heapUsedMb: (await heapUsed(functionServer)) / 2 ** 20 });

  const half = heap.find((sample) => sample.after >= done / 2) ?? heap[0];
  const last = heap.at(-1) ?? heap[0];
  const heapGrowthMb = (last?.heapUsedMb ?? 0) - (half?.heapUsedMb ?? 0);
  const heapSettled = heapGrowthMb < 5;

  const result = {
    requests: done,
    concurrency,
    telesignLatencyMs: options.telesignLatency,
    seconds: Number(seconds.toFixed(2)),
    requestsPerSecond: Math.round(done / seconds),
    latencyMs: {
      p50: Math.round(percentile(latencies, 0.5)),
      p99: Math.round(percentile(latencies, 0.99)),
      max: Math.round(percentile(latencies, 1)),
    },
    wrongAnswers: wrong.length,
    errors: errors.length,
    telesignMessages: telesign.simulator.messages.size,
    functionLogLines: logLines,
    codesInLogs: leaks,
    heapUsedMb: heap.map((sample) => ({ after: sample.after, mb: Number(sample.heapUsedMb.toFixed(1)) })),
    heapSettled,
    node: process.version,
  };

  console.log(JSON.stringify(result, null, 2));
  for (const line of [...wrong, ...errors].slice(0, 10)) console.log(`  ${line}`);
  await mkdir(path.dirname(path.resolve(projectRoot, options.out)), { recursive: true });
  await writeFile(path.resolve(projectRoot, options.out), `${JSON.stringify(result, null, 2)}\n`);

  functionServer.send({ stop: true });
  await telesign.close();
  await database.stop();
  const passed = wrong.length === 0 && errors.length === 0 && leaks === 0 && heapSettled && done === requests;
  console.log(passed ? "load: passed" : "load: FAILED");
  process.exit(passed ? 0 : 1);
}
