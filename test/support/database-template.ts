import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { TestProject } from "vitest/node";
import { migrate, migrationsDirectory } from "../../tools/local-database.ts";

/**
 * Vitest's global setup: the site's migrations applied to a new PGlite database, whose data folder
 * every test file then loads (about 1 s) instead of creating and migrating its own (4 to 6 s).
 * The folder is kept in node_modules/.cache under the hash of the migrations and of PGlite's
 * version: it is made again only when one of them changes.
 */
const modules = path.resolve(import.meta.dirname, "..", "..", "node_modules");

export default async function databaseTemplate(project: TestProject) {
  const cache = path.join(modules, ".cache", "hook-database");
  const file = path.join(cache, `${await templateHash()}.tar`);
  const made = await readFile(file).then(
    () => true,
    () => false,
  );
  if (!made) {
    const database = await PGlite.create();
    await migrate(database);
    const dump = await database.dumpDataDir("none");
    await database.close();
    await mkdir(cache, { recursive: true });
    const partial = `${file}.${process.pid}`;
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
    await rename(partial, file);
    // Templates of older migrations are of no further use.
    for (const old of await readdir(cache)) {
      if (old.endsWith(".tar") && path.join(cache, old) !== file) await rm(path.join(cache, old), { force: true });
    }
  }
  project.provide("databaseTemplate", file);
}

/** What the template depends on: every migration file, and the engine's version. */
async function templateHash(): Promise<string> {
  const hash = createHash("sha256");
  const engine = await readFile(path.join(modules, "@electric-sql", "pglite", "package.json"), "utf8");
  hash.update(String(JSON.parse(engine).version));
  const entries = await readdir(migrationsDirectory, { recursive: true, withFileTypes: true });
  for (const entry of entries.filter((each) => each.isFile()).sort((a, b) => a.name.localeCompare(b.name))) {
    const file = path.join(entry.parentPath, entry.name);
    hash.update(path.relative(migrationsDirectory, file)).update(await readFile(file));
  }
  return hash.digest("hex").slice(0, 16);
}

declare module "vitest" {
  export interface ProvidedContext {
    databaseTemplate: string;
  }
}
