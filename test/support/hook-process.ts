/**
 * One instance of the hook in its own process, wired as the deployed function is
 * (netlify/functions/telesign.mts), for the tests of several instances at the same instant
 * (support/hook-processes.ts). Configured by the environment as on Netlify (NETLIFY_DB_URL: the
 * shared database), and HOOK_TEST_DATABASE_BOUND_MS: the claim's and the counters' bound. Over
 * IPC: `prepare` builds the round's requests and answers `ready`; `go` sends them all at once and
 * answers with Okta's answers, once the work after the answers (`context.waitUntil`) is done too,
 * and the events it had to guard in memory only.
 */
import { loadConfig, parseConfig } from "../../src/config.ts";
import { parseGuardConfig } from "../../src/fraud/guard-config.ts";
import { createTelephonyHook } from "../../src/handlers/telephony-hook.ts";
import { jsonLogger } from "../../src/log.ts";
import { netlifyDatabase } from "../../src/storage/database.ts";
import { createDuplicateEvents } from "../../src/storage/duplicate-events.ts";
import { databaseRateCounters, databaseRiskCache } from "../../src/storage/fraud-store.ts";
import { netlifyTransactionStore } from "../../src/storage/transaction-store.ts";

const boundMs = Number(process.env.HOOK_TEST_DATABASE_BOUND_MS);
const telesign = createTelephonyHook({
  config: loadConfig(parseConfig),
  duplicates: createDuplicateEvents({ database: netlifyDatabase, log: jsonLogger, claimTimeoutMs: boundMs }),
  transactions: netlifyTransactionStore,
  fraud: {
    config: loadConfig(parseGuardConfig),
    counters: databaseRateCounters(netlifyDatabase),
    riskCache: databaseRiskCache(netlifyDatabase),
    counterTimeoutMs: boundMs,
  },
});

// The eventIds this instance sent with its memory as the only guard (the database missed the
// claim's bound: a busy machine), read from its own log lines, as an admin would.
const memoryGuarded: string[] = [];
for (const method of ["log", "warn", "error"] as const) {
  const write = console[method].bind(console);
  console[method] = (line: unknown, ...rest: unknown[]) => {
    if (typeof line === "string" && line.includes('"duplicateGuard":"memory"')) {
      memoryGuarded.push(String((JSON.parse(line) as { eventId?: string }).eventId));
    }
    write(line, ...rest);
  };
}

const pending: Promise<unknown>[] = [];
const context = { waitUntil: (work: Promise<unknown>) => pending.push(work) } as never;
let prepared: Request[] = [];

// The connections are made before the first round, as on a warm instance.
await Promise.all(
  Array.from({ length: 4 }, () => netlifyDatabase().query("SELECT pg_sleep(0.05)", [], { timeoutMs: 30_000 })),
);

process.on(
  "message",
  async (message: { prepare?: { bodies: string[]; authorization: string }; go?: true; stop?: true }) => {
    if (message.prepare !== undefined) {
      const { bodies, authorization } = message.prepare;
      prepared = bodies.map(
        (body) =>
          new Request("http://127.0.0.1/.netlify/functions/telesign", {
            method: "POST",
            headers: { authorization, "content-type": "application/json" },
            body,
          }),
      );
      process.send?.({ ready: true });
    }
    if (message.go) {
      const answers = await Promise.all(prepared.map(async (request) => (await telesign(request, context)).json()));
      await Promise.allSettled(pending.splice(0));
      process.send?.({ answered: { answers, memoryGuarded: memoryGuarded.splice(0) } });
    }
    if (message.stop) process.exit(0);
  },
);
process.send?.({ started: true });
