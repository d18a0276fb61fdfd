import { readFile } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, beforeEach, inject } from "vitest";
import type { Database } from "../../src/storage/database.ts";
import { withinMs } from "../../src/support/deadline.ts";

/**
 * A migrated database for each test: Netlify's local engine (PGlite) in this process, loaded once
 * per worker from the migrated template (support/database-template.ts), as the template left it
 * at the start of each test file (every table emptied, identities restarted) and emptied before
 * each test. `database()` is the hook's view of it, bounded like the real client; `faults` make it
 * slow, hang or fail for the next statements.
 */
export function useDatabase() {
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
  afterAll(() => Promise.all(running));
  beforeEach(async () => {
    faults.length = 0;
    gated.length = 0;
    // A statement of the last test that lands late must not land in this one.
    await Promise.all(running);
    // DELETE is faster than TRUNCATE on a few rows; a test that ran no statement leaves nothing.
    if (used) await pglite.exec(tables.map((table) => `DELETE FROM ${table};`).join(""));
    used = false;
  });

  const database: Database = {
    query: (text, params, { timeoutMs }) => withinMs(timeoutMs, () => statement(text, params)),
  };

  async function statement(text: string, params: readonly unknown[]): Promise<never> {
    used = true;
    const next = faults.shift();
    next?.taken();
    const fault = next?.fault;
    if (fault?.kind === "hang") return new Promise<never>(() => {});
    if (fault?.kind === "gated") {
      // Runs once the gate opens, whoever stopped waiting for it (a server does not cancel).
      gated.push(fault.open.then(() => pglite.query(text, [...params])).catch(() => {}));
      return new Promise<never>(() => {});
    }
    const run = (async () => {
      const delayMs = fault !== undefined && "delayMs" in fault ? fault.delayMs : undefined;
      if (delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (fault?.kind === "fail") throw new Error(fault.message ?? "connection terminated unexpectedly");
      const { rows } = await pglite.query(text, [...params]);
      if (fault?.kind === "fail_after") throw new Error(fault.message ?? "connection terminated unexpectedly");
      return rows as never;
    })();
    const tracked: Promise<unknown> = run.catch(() => {}).finally(() => running.delete(tracked));
    running.add(tracked);
    return run;
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
    /** Resolves once every statement started so far has run (those a caller stopped waiting for too), but hung ones. */
    statementsRan: () => Promise.all(running),
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
  /** Fails before the statement runs (unreachable). */
  | { kind: "fail"; message?: string; delayMs?: number }
  /** The statement runs, then the connection fails before its result arrives. */
  | { kind: "fail_after"; message?: string; delayMs?: number }
  /** Runs normally: a placeholder to fault a later statement. */
  | { kind: "ok" };
