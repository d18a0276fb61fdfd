import { type ChildProcess, fork } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimulatorServer, serveTelesignSimulator } from "../simulator/server.ts";
import { projectRoot } from "../tools/project-root.mjs";
import { apiKey, baseEnv, customerId, oktaSecret } from "./support/hook.ts";
import { oktaRequest } from "./support/okta-requests.ts";

/**
 * Several instances of the hook, each its own process, share one database (Netlify's local
 * emulation over the wire) and one Telesign. Every round, each instance prepares the same events
 * and waits; once all are ready they are released together (a barrier, not a delay) and each
 * sends all the round's events at once. Only the database's atomic claim keeps the messages to one
 * per event: this instance's memory cannot see the others.
 */

const instances = 4;
const rounds = 12;
const eventsPerRound = 5;

let database: ChildProcess;
let telesign: SimulatorServer;
let processes: ChildProcess[] = [];

/** The next message of a process that has `key`. */
function next<T>(child: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: Record<string, unknown>) => {
      if (!(key in message)) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(message[key] as T);
    };
    const onExit = (code: number | null) => reject(new Error(`an instance exited (${code}) before ${key}`));
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

beforeAll(async () => {
  // The database answers from a process of its own, as Netlify's does from a server of its own.
  database = fork(path.join(projectRoot, "test", "support", "database-process.ts"), [], {
    cwd: projectRoot,
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const databaseUrl = await next<string>(database, "url");
  // Telesign takes its time, as it does: the other instances' repeats come while the first waits.
  telesign = await serveTelesignSimulator({ customerId, apiKey, latencyMs: 50 });
  processes = Array.from({ length: instances }, () =>
    fork(path.join(projectRoot, "test", "support", "hook-process.ts"), [], {
      cwd: projectRoot,
      execArgv: ["--import", "tsx"],
      // Their logs stay theirs: each reports the events it guarded in memory only over IPC.
      stdio: ["ignore", "ignore", "ignore", "ipc"],
      env: {
        ...process.env,
        ...baseEnv,
        TELESIGN_API_URL: telesign.url,
        NETLIFY_DB_URL: databaseUrl,
        NETLIFY_DB_DRIVER: "server",
        // Every event goes to one number: the toll-fraud guard's rate limits are not under test here.
        FRAUD_LIMITS: "none",
      },
    }),
  );
  await Promise.all(processes.map((child) => next(child, "started")));
}, 60_000);

afterAll(async () => {
  for (const child of processes) child.kill();
  await telesign?.close();
  database?.send({ stop: true });
});

describe("one eventId on several instances at the same instant", () => {
  it("reaches Telesign exactly once per event, and every instance answers Okta", async () => {
    const answers = new Map<string, unknown[]>();
    /** Events an instance sent guarded in memory only: the database missed the claim's bound. */
    const unguarded = new Set<string>();
    for (let round = 0; round < rounds; round++) {
      const eventIds = Array.from({ length: eventsPerRound }, (_, n) => `same-instant-${round}-${n}`);
      const bodies = eventIds.map((eventId) => JSON.stringify(oktaRequest({}, { eventId })));
      // Everyone prepared and waiting; then released together.
      await Promise.all(
        processes.map((child) => {
          const ready = next(child, "ready");
          child.send({ prepare: { bodies, authorization: oktaSecret } });
          return ready;
        }),
      );
      const answered = processes.map(
        (child) =>
          new Promise<{ answers: unknown[]; memoryGuarded: string[] }>((resolve) =>
            child.once("message", (message) => resolve(message as never)),
          ),
      );
      for (const child of processes) child.send({ go: true });
      const results = await Promise.all(answered);
      for (const { memoryGuarded } of results) for (const eventId of memoryGuarded) unguarded.add(eventId);
      for (const each of results.map((result) => result.answers)) {
        for (const [n, answer] of each.entries()) {
          const eventId = eventIds[n] as string;
          answers.set(eventId, [...(answers.get(eventId) ?? []), answer]);
        }
      }
    }

    const sent = telesign.simulator.sentBodies() as { external_id?: string }[];
    const perEvent = new Map<string, number>();
    for (const { external_id } of sent) perEvent.set(String(external_id), (perEvent.get(String(external_id)) ?? 0) + 1);
    expect(perEvent.size).toBe(rounds * eventsPerRound);
    // Every event the database guarded on every instance reached Telesign exactly once. An instance
    // whose claim missed its bound (600 ms: only a machine busier than the test sees that) sent
    // with its memory as the only guard, as designed, and said so in its log: those events prove
    // nothing about the claim, and most events must be left to prove it.
    const guarded = [...perEvent].filter(([eventId]) => !unguarded.has(eventId));
    expect(guarded.filter(([, count]) => count !== 1)).toEqual([]);
    expect(guarded.length).toBeGreaterThanOrEqual((rounds * eventsPerRound) / 2);

    // Each instance answered each event: the first's answer, or that the first is still going.
    for (const [eventId, given] of answers) {
      expect(given, eventId).toHaveLength(instances);
      if (unguarded.has(eventId)) continue;
      const delivered = given.filter((answer) => JSON.stringify(answer).includes('"SUCCESSFUL"'));
      expect(delivered.length, eventId).toBeGreaterThanOrEqual(1);
      for (const answer of delivered) expect(answer).toEqual(delivered[0]);
      for (const answer of given.filter((each) => !delivered.includes(each))) {
        expect(answer).toMatchObject({ error: { errorSummary: "Duplicate request in progress" } });
      }
    }
  }, 120_000);
});
