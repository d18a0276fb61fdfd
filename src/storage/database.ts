import { neon } from "@neondatabase/serverless";
import { type DatabaseSettings, databaseSettings } from "../config.ts";
import { withinMs } from "../support/deadline.ts";

/**
 * Netlify Database (Postgres), as the functions use it: one statement at a time, each with its own
 * time limit. No transactions: every write the hook makes is one atomic statement.
 *
 * On Netlify (`NETLIFY_DB_DRIVER=serverless`) a statement is one HTTPS request through Neon's HTTP
 * driver: no connection to open, and the only driver the bundle loads at start. Locally
 * (`netlify dev`, `npm start`: a Postgres wire server) node-postgres is loaded on first use.
 * `@netlify/database`'s `getDatabase()` chooses the same drivers but loads both, and WebSockets, at
 * start (about 100 ms more of a cold start: docs/performance.md).
 */

export interface QueryOptions {
  /** The statement's bound: past it the query rejects with DeadlineExceeded (its result is ignored). */
  timeoutMs: number;
}

export interface Database {
  /**
   * Runs one statement with `$1`-style parameters; its rows. Return values as text, integer,
   * boolean or JSON (cast `::text`, `::int` in SQL): drivers differ on dates and 64-bit integers.
   */
  query<Row extends object = Record<string, unknown>>(
    text: string,
    params: readonly unknown[],
    options: QueryOptions,
  ): Promise<Row[]>;
}

/**
 * SQL that reads a timestamptz column as ISO 8601 text in UTC: drivers differ on how they return
 * timestamps (PGlite, node-postgres, Neon), text is the same from all of them.
 */
export function isoText(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** No database configured (NETLIFY_DB_URL unset): every statement fails at once. */
export class DatabaseNotConfigured extends Error {
  override name = "DatabaseNotConfigured";
  constructor() {
    super("NETLIFY_DB_URL is not set: the site has no Netlify Database");
  }
}

/** The database of the given settings; opens nothing until the first statement. */
export function connectDatabase(settings: DatabaseSettings | undefined): Database {
  if (settings === undefined) {
    return {
      query: () => Promise.reject(new DatabaseNotConfigured()),
    };
  }
  return settings.driver === "serverless" ? neonHttpDatabase(settings.url) : nodePostgresDatabase(settings.url);
}

let instanceDatabase: { url: string | undefined; database: Database } | undefined;

/**
 * This instance's database, as Netlify configures it for the function: made on first use and
 * reused by every invocation (a new one only if Netlify changes the connection string).
 */
export function netlifyDatabase(): Database {
  const settings = databaseSettings();
  if (instanceDatabase === undefined || instanceDatabase.url !== settings?.url) {
    instanceDatabase = { url: settings?.url, database: connectDatabase(settings) };
  }
  return instanceDatabase.database;
}

function neonHttpDatabase(url: string): Database {
  const sql = neon(url);
  return {
    query: (text, params, { timeoutMs }) =>
      withinMs(timeoutMs, (signal) => sql.query(text, [...params], { fetchOptions: { signal } })) as never,
  };
}

type PgPool = import("pg").Pool;

/** Opening a local connection gets this long: past it the statement fails and the slot is free again. */
export const connectTimeoutMs = 1_000;
/** No statement of the hook runs longer on the server (the longest bound, settling a claim's, is 5 s). */
const serverStatementTimeoutMs = 5_000;

/**
 * node-postgres, with every wait bounded, so that hung statements never hold the pool's few
 * connections: a connection that does not open in connectTimeoutMs fails; a statement past its
 * bound fails on the client too (`query_timeout`), which closes its connection and frees the
 * slot; and a Postgres server stops any statement after serverStatementTimeoutMs (`statement_timeout`;
 * the local emulation, one session in WebAssembly, ignores it).
 */
function nodePostgresDatabase(url: string): Database {
  let pool: Promise<PgPool> | undefined;
  const openPool = async (): Promise<PgPool> => {
    const { default: pg } = await import("pg");
    const created = new pg.Pool({
      connectionString: withUser(url),
      max: 4,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: connectTimeoutMs,
      statement_timeout: serverStatementTimeoutMs,
    });
    // A connection that drops while idle must not crash the function.
    created.on("error", () => {});
    return created;
  };
  return {
    query: (text, params, { timeoutMs }) =>
      withinMs(timeoutMs, async () => {
        pool ??= openPool();
        // node-postgres reads `query_timeout` from a statement's config too (its types omit it).
        const statement = { text, values: [...params], query_timeout: timeoutMs };
        const result = await (await pool).query(statement);
        return result.rows;
      }),
  };
}

/** node-postgres needs a user name, which the local emulation's connection string leaves out. */
function withUser(url: string): string {
  const parsed = new URL(url);
  if (parsed.username === "") parsed.username = "postgres";
  return parsed.toString();
}
