import { readFile } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { HttpResponse } from "msw";
import { afterAll, beforeAll, beforeEach, inject } from "vitest";
import { connectDatabase, type Database } from "../../src/storage/database.ts";
import { withinMs } from "../../src/support/deadline.ts";
import { server } from "./msw-server.ts";
import { neonAnswer, neonResponse, neonSqlEndpoint } from "./neon-endpoint.ts";
import { neonPassword } from "./secrets.ts";

/**
 * How the hook reaches the database: `in-process` calls PGlite directly; `neon-http` goes through
 * the production client (`connectDatabase` with Neon's HTTP driver, as on Netlify), each statement
 * an HTTPS request that the stand-in for Neon's endpoint (support/neon-endpoint.ts) runs on PGlite.
 */
export type DatabaseAccess = "in-process" | "neon-http";

/** The connection string the functions get on Netlify, for a host only the stand-in answers. */
export const neonConnectionString = `postgresql://hook:${neonPassword}@ep-hook-test.database.example.test/netlifydb`;

/**
 * A migrated database for each test: Netlify's local engine (PGlite) in this process, loaded once
 * per worker from the migrated template (support/database-template.ts), as the template left it
 * at the start of each test file (every table emptied, identities restarted) and emptied before
 * each test. `database()` is the hook's view of it, bounded like the real client; `faults` make it
 * slow, hang or fail for the next statements, whichever the access (through `neon-http`, a failure
 * is one of the network: the request gets no answer).
 */
export function useDatabase({ access = "in-process" }: { access?: DatabaseAccess } = {}) {
  let pglite: PGlite;
  /** Faults queued for the next statements, each with what to call once a statement took it. */
  const faults: { fault: Fault; taken: () => void }[] = [];
  /** Whether a statement ran since the tables were last emptied. */
  let used = false;
  let tables: string[] = [];
  /** Statements held by a `gated` fault, settled once they ran. */
  const gated: Promise<unknown>[] = [];
  /** Statements still running, though their caller may have stopped waiting (a slow fault). */
  const running = new Set<Promise<unknown>>();

  // The worker's first file loads the engine (WebAssembly compiled, then the template): the
  // timeout only catches a hang, and is generous so that a busy machine slows it without failing it.
  beforeAll(async () => {
    ({ pglite, tables } = await workerEngine());
    // Whatever an earlier file of this worker left: its rows, its identities.
    await pglite.exec(`TRUNCATE ${tables.join(", ")} RESTART IDENTITY;`);
  }, 60_000);
  // A statement of this file that lands late must not land in the next one.
  afterAll(allRan);
  beforeEach(async () => {
    faults.length = 0;
    gated.length = 0;
    // A statement of the last test that lands late must not land in this one.
    await allRan();
    // DELETE is faster than TRUNCATE on a few rows; a test that ran no statement leaves nothing.
    if (used) await pglite.exec(tables.map((table) => `DELETE FROM ${table};`).join(""));
    used = false;
    if (access === "neon-http") {
      server.use(
        neonSqlEndpoint(neonConnectionString, (query, params) =>
          statement(
            async () => neonResponse(await neonAnswer(pglite, query, params)),
            async () => HttpResponse.error(),
          ),
        ),
      );
    }
  });

  const database: Database =
    access === "neon-http"
      ? neonClient(connectDatabase({ url: neonConnectionString, driver: "serverless" }))
      : {
          query: (text, params, { timeoutMs }) =>
            withinMs(timeoutMs, () =>
              statement(
                async () => (await pglite.query(text, [...params])).rows as never,
                (message) => Promise.reject(new Error(message)),
              ),
            ),
        };

  /** Runs a statement (`run`) as the next fault says; `fail` is how the access reports a failure. */
  async function statement<T>(run: () => Promise<T>, fail: (message: string) => Promise<T>): Promise<T> {
    used = true;
    const next = faults.shift();
    next?.taken();
    const fault = next?.fault;
    if (fault?.kind === "hang") return new Promise<never>(() => {});
    if (fault?.kind === "gated") {
      // Runs once the gate opens, whoever stopped waiting for it (a server does not cancel).
      gated.push(fault.open.then(run).catch(() => {}));
      return new Promise<never>(() => {});
    }
    const ran = (async () => {
      const delayMs = fault !== undefined && "delayMs" in fault ? fault.delayMs : undefined;
      if (delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const message = fault !== undefined && "message" in fault ? fault.message : undefined;
      if (fault?.kind === "fail") return fail(message ?? "connection terminated unexpectedly");
      const result = await run();
      if (fault?.kind === "fail_after") return fail(message ?? "connection terminated unexpectedly");
      return result;
    })();
    return track(ran);
  }

  /** The production client: a request is in flight before the endpoint starts its statement, so it runs from the start. */
  function neonClient(client: Database): Database {
    return { query: (text, params, options) => track(client.query(text, params, options)) };
  }

  function track<T>(work: Promise<T>): Promise<T> {
    const tracked: Promise<unknown> = work.catch(() => {}).finally(() => running.delete(tracked));
    running.add(tracked);
    return work;
  }

  /** Until nothing runs: a request's statement starts after the request did. */
  async function allRan() {
    while (running.size > 0) await Promise.all(running);
  }

  return {
    /** The hook's view of this test's database. */
    database: () => database,
    /** Direct access, to inspect or prepare rows. */
    sql: <Row>(text: string, params: unknown[] = []) => {
      used = true;
      return pglite.query<Row>(text, params).then(({ rows }) => rows);
    },
    /** Queues faults for the next statements, in order; resolves once a statement took the last one. */
    fault: (...next: Fault[]) =>
      new Promise<void>((taken) => {
        for (const [at, fault] of next.entries())
          faults.push({ fault, taken: at === next.length - 1 ? taken : () => {} });
      }),
    /**
     * Resolves once every statement started so far has run (those a caller stopped waiting for too), but hung ones
     * (through `neon-http`, a hung request until its caller stops waiting).
     */
    statementsRan: allRan,
    /** Resolves once every gated statement whose gate opened has run. */
    gatedRan: () => Promise.all(gated),
  };
}

/**
 * This worker's engine, loaded on first use (about 1 s) and kept for its later files; on the
 * global object, so that a file that resets the module registry does not load another.
 */
function workerEngine(): Promise<{ pglite: PGlite; tables: string[] }> {
  const worker = globalThis as { hookTestDatabase?: Promise<{ pglite: PGlite; tables: string[] }> };
  worker.hookTestDatabase ??= (async () => {
    const template = await readFile(inject("databaseTemplate"));
    const pglite = await PGlite.create({ loadDataDir: new Blob([template]) });
    const { rows } = await pglite.query<{ name: string }>(
      "SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public'",
    );
    return { pglite, tables: rows.map(({ name }) => name) };
  })();
  return worker.hookTestDatabase;
}

export type Fault =
  /** Answers after `delayMs` (a database resuming from sleep, a slow network). */
  | { kind: "slow"; delayMs: number }
  /** Never answers. */
  | { kind: "hang" }
  /** Never answers, but runs once `open` resolves: a statement that lands after its caller gave up. */
  | { kind: "gated"; open: Promise<unknown> }
  /** Fails before the statement runs (unreachable); `message` in process, a network error through `neon-http`. */
  | { kind: "fail"; message?: string; delayMs?: number }
  /** The statement runs, then the connection fails before its result arrives (`message` as for `fail`). */
  | { kind: "fail_after"; message?: string; delayMs?: number }
  /** Runs normally: a placeholder to fault a later statement. */
  | { kind: "ok" };
