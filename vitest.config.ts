import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

/**
 * Three projects: `unit` (everything in-process: `npm test`), `e2e` (Netlify's emulation and the
 * command lines run as processes: `npm run test:e2e`) and `browser` (the console's pages in
 * Chromium: `npm run test:browser`). CI runs all three.
 */
export default defineConfig({
  test: {
    setupFiles: ["test/setup.ts"],
    globalSetup: ["test/support/database-template.ts"],
    restoreMocks: true,
    unstubEnvs: true,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.e2e.test.ts", "test/**/*.browser.test.ts"],
          // Part of a unit test's time is spent waiting (on a socket, a process, another test's
          // instance), not computing: vitest's default of one worker per core but one (a single
          // worker on two cores) leaves a small machine's cores idle. At least three workers,
          // one per core on a bigger machine: each more costs its own load of the libraries and
          // the database engine. VITEST_MAX_WORKERS overrides it.
          maxWorkers: Math.max(3, availableParallelism()),
          // Each worker runs its files one after another in one module graph: the libraries (msw,
          // zod, PGlite, Okta's SDK) load once per worker, not once per file. What a file leaves
          // behind is reset where it would carry over (test/setup.ts, test/support/database.ts).
          isolate: false,
        },
      },
      // Each e2e test starts processes (tsx, Netlify's emulation): the timeout only catches a hang,
      // and is generous so that a busy machine slows these tests without failing them. The groups
      // run after the unit tests when every project runs (`vitest`), each with its own workers.
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/**/*.e2e.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 1 },
        },
      },
      // A browser test drives whole pages (sign-in, lookups): seconds, not milliseconds, each.
      {
        extends: true,
        test: {
          name: "browser",
          include: ["test/**/*.browser.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
