/**
 * A run that announces a local hook as `npm start` does (announceLocalHook, stopOnExit), then
 * ends the way its second argument says: `exit`, `crash`, `child` (its emulator child dies), or
 * `signal` (it waits for one). Run by test/local-hooks.test.ts as a process of its own.
 */
import { spawn } from "node:child_process";
import { fail } from "../../tools/command-line.ts";
import { announceLocalHook } from "../../tools/local-hooks.ts";
import { stopOnExit } from "../../tools/stop-on-exit.ts";

const [workspace = ".", how = "signal"] = process.argv.slice(2);
await announceLocalHook(
  {
    url: "http://127.0.0.1:9/.netlify/functions/telesign",
    headerName: "authorization",
    secret: "local-run-secret-0123",
  },
  workspace,
);
stopOnExit(
  async () => undefined,
  () => undefined,
);
setInterval(() => undefined, 1_000);
console.log("ready");
if (how === "exit") process.exit(0);
if (how === "crash") setTimeout(() => Promise.reject(new Error("the run failed")), 10);
if (how === "child") {
  // As start.ts does when Netlify's emulation ends under it.
  const emulator = spawn(process.execPath, ["-e", "setTimeout(() => process.exit(3), 50)"]);
  emulator.once("exit", (code) => fail(`Netlify's emulation stopped (exit code ${code})`));
}
