import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HookProcesses, startHookProcesses } from "./support/hook-processes.ts";
import { oktaRequest } from "./support/okta-requests.ts";

/**
 * A pumping burst on several instances at once: three instances of the hook, each its own process,
 * share one database (Netlify's local emulation over the wire) and one Telesign. They are
 * released together (a barrier, not a delay), each with four codes for the same number at once.
 * Only the database's atomic count keeps the number under its limit: no instance's memory sees
 * the others'.
 */

const instances = 3;
const perInstance = 4;

let hooks: HookProcesses;

beforeAll(async () => {
  hooks = await startHookProcesses({ instances, latencyMs: 20, env: { FRAUD_LIMITS: "number:3/1h" } });
}, 60_000);

afterAll(() => hooks?.stop());

describe("a rate limit on several instances at the same instant", () => {
  it("number:3/1h: a dozen concurrent codes for one number over three instances sends 3", async () => {
    const results = await hooks.release((instance) =>
      Array.from({ length: perInstance }, (_, n) =>
        JSON.stringify(oktaRequest({ phoneNumber: "+447400123456" }, { eventId: `burst-${instance}-${n}` })),
      ),
    );
    const answers = results.flatMap((result) => result.answers) as Record<string, any>[];

    expect(hooks.telesign.simulator.sentBodies()).toHaveLength(3);
    expect(answers.filter((answer) => answer.commands !== undefined)).toHaveLength(3);
    expect(answers.filter((answer) => answer.error?.errorSummary === "Message blocked")).toHaveLength(9);
  }, 120_000);
});
