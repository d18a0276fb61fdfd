/**
 * One instance of the deployed hook in its own process, for the test of several instances at the
 * same instant (test/duplicate-events-processes.e2e.test.ts). Configured by the environment as on
 * Netlify (NETLIFY_DB_URL: the shared database). Over IPC: `prepare` builds the round's requests
 * and answers `ready`; `go` sends them all at once and answers with Okta's answers, once the
 * work after the answers (`context.waitUntil`) is done too.
 */
import { netlifyDatabase } from "../../src/storage/database.ts";

const { default: telesign } = await import("../../netlify/functions/telesign.mts");

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
      process.send?.({ answers });
    }
    if (message.stop) process.exit(0);
  },
);
process.send?.({ started: true });
