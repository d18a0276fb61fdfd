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
        },
      },
      // Each e2e test starts processes (tsx, Netlify's emulation): the timeout only catches a hang,
      // and is generous so that a busy machine slows these tests without failing them.
      {
        extends: true,
        test: { name: "e2e", include: ["test/**/*.e2e.test.ts"], testTimeout: 60_000, hookTimeout: 120_000 },
      },
      // A browser test drives whole pages (sign-in, lookups): seconds, not milliseconds, each.
      {
        extends: true,
        test: { name: "browser", include: ["test/**/*.browser.test.ts"], testTimeout: 60_000, hookTimeout: 60_000 },
      },
    ],
  },
});
