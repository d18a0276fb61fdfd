import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HookProcesses, startHookProcesses } from "./support/hook-processes.ts";
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

let hooks: HookProcesses;

beforeAll(async () => {
  // Every event goes to one number: the toll-fraud guard's rate limits are not under test here.
  hooks = await startHookProcesses({ instances, latencyMs: 50, env: { FRAUD_LIMITS: "none" } });
}, 60_000);

afterAll(() => hooks?.stop());

describe("one eventId on several instances at the same instant", () => {
  it("reaches Telesign exactly once per event, and every instance answers Okta", async () => {
    const answers = new Map<string, unknown[]>();
    /** Events an instance sent guarded in memory only: the database missed the claim's bound. */
    const unguarded = new Set<string>();
    for (let round = 0; round < rounds; round++) {
      const eventIds = Array.from({ length: eventsPerRound }, (_, n) => `same-instant-${round}-${n}`);
      const bodies = eventIds.map((eventId) => JSON.stringify(oktaRequest({}, { eventId })));
      const results = await hooks.release(() => bodies);
      for (const { memoryGuarded } of results) for (const eventId of memoryGuarded) unguarded.add(eventId);
      for (const each of results.map((result) => result.answers)) {
        for (const [n, answer] of each.entries()) {
          const eventId = eventIds[n] as string;
          answers.set(eventId, [...(answers.get(eventId) ?? []), answer]);
        }
      }
    }

    // The claim's bound is generous here: every event was claimed in the database.
    expect([...unguarded]).toEqual([]);
    const sent = hooks.telesign.simulator.sentBodies() as { external_id?: string }[];
    const perEvent = new Map<string, number>();
    for (const { external_id } of sent) perEvent.set(String(external_id), (perEvent.get(String(external_id)) ?? 0) + 1);
    expect(perEvent.size).toBe(rounds * eventsPerRound);
    expect([...perEvent].filter(([, count]) => count !== 1)).toEqual([]);

    // Each instance answered each event: the first's answer, or that the first is still going.
    for (const [eventId, given] of answers) {
      expect(given, eventId).toHaveLength(instances);
      const delivered = given.filter((answer) => JSON.stringify(answer).includes('"SUCCESSFUL"'));
      expect(delivered.length, eventId).toBeGreaterThanOrEqual(1);
      for (const answer of delivered) expect(answer).toEqual(delivered[0]);
      for (const answer of given.filter((each) => !delivered.includes(each))) {
        expect(answer).toMatchObject({ error: { errorSummary: "Duplicate request in progress" } });
      }
    }
  }, 120_000);
});
