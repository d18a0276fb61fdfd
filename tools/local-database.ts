import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { applyMigrations, NetlifyDB } from "@netlify/database-dev";
import { projectRoot } from "./project-root.mjs";

/**
 * Netlify's own local database emulation (PGlite: Postgres compiled to WebAssembly, nothing to
 * install) with the site's migrations applied, as `netlify dev` runs it. The tests, the local
 * stack and `npm run deploy:check` apply the same files Netlify applies at deploy.
 */

export const migrationsDirectory = path.join(projectRoot, "netlify", "database", "migrations");

/** Applies the migrations not yet applied, in name order; the names of those it applied. */
export function migrate(database: PGlite, directory = migrationsDirectory): Promise<string[]> {
  return applyMigrations(database, directory);
}

export interface LocalDatabase {
  /** `postgres://postgres@localhost:PORT/postgres`, for NETLIFY_DB_URL (driver `server`). */
  url: string;
  /** The migrations this start applied. */
  applied: string[];
  stop(): Promise<void>;
}

/**
 * The emulation's Postgres wire server on loopback, migrated. `directory` keeps the data between
 * runs (`netlify dev` uses `.netlify/db`); none, in memory.
 */
export async function startLocalDatabase({
  directory,
  port,
  migrations = migrationsDirectory,
}: {
  directory?: string;
  port?: number;
  migrations?: string;
} = {}): Promise<LocalDatabase> {
  const server = new NetlifyDB({ directory, port, logger: () => {} });
  const started = await server.start();
  try {
    const applied = await server.applyMigrations(migrations);
    const url = new URL(started);
    url.username = "postgres";
    return { url: url.toString(), applied, stop: () => server.stop() };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
