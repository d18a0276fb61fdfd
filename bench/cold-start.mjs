// One cold start: a fresh Node process imports a function as Netlify deployed it, serves its
// first request, prints the time from process start to the answer, and exits. It prints the CPU
// time the process used by then as well: on a busy machine the wall time also counts the waits for
// a core, the CPU time much less.
import { pathToFileURL } from "node:url";

const [file, method = "POST"] = process.argv.slice(2);
const { default: handler } = await import(pathToFileURL(file).href);
const response = await handler(
  new Request("http://127.0.0.1/.netlify/functions/bench", {
    method,
    headers: { authorization: process.env.BENCH_HOOK_AUTHORIZATION ?? "", "content-type": "application/json" },
    body: process.env.BENCH_REQUEST_BODY,
  }),
  { waitUntil: () => {} },
);
const text = await response.text();
const ms = performance.now();
const { user, system } = process.cpuUsage();
process.stdout.write(
  `${JSON.stringify({ ms, cpuMs: (user + system) / 1000, status: response.status, ok: text.includes("SUCCESSFUL") })}\n`,
);
process.exit(0);
