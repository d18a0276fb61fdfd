import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { connectDatabase } from "../src/storage/database.ts";
import { eventKey } from "../src/storage/duplicate-events.ts";
import { databaseTransactionStore } from "../src/storage/transaction-store.ts";
import { type LocalDatabase, startLocalDatabase } from "../tools/local-database.ts";
import { baseEnv, hookUrl, oktaPost, useTelesignSimulator } from "./support/hook.ts";
import { oktaRequest } from "./support/okta-requests.ts";

// Netlify's local database emulation over the Postgres wire, as `netlify dev` gives it to functions
// (an end-to-end test: the wire server creates its database from scratch, seconds of work).
let local: LocalDatabase;
beforeAll(async () => {
  local = await startLocalDatabase();
});
afterAll(() => local?.stop());

/** The deployed function file, configured through process.env as on Netlify, with Netlify's database. */
async function deployedFunction(env: Record<string, string>) {
  vi.stubEnv("NETLIFY_DB_URL", local.url);
  vi.stubEnv("NETLIFY_DB_DRIVER", "server");
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.resetModules();
  const { default: telesign } = await import("../netlify/functions/telesign.mts");
  const afterResponse: Promise<unknown>[] = [];
  const context = { waitUntil: (work: Promise<unknown>) => afterResponse.push(work) } as never;
  return { call: (request: Request) => telesign(request, context), afterResponse };
}

describe("netlify/functions/telesign", () => {
  it("serves Okta's sample from environment variables, claims its event and records it in Netlify Database after answering", async () => {
    const simulator = useTelesignSimulator();
    const { call, afterResponse } = await deployedFunction(baseEnv);
    const response = await call(oktaPost());
    expect(response.status).toBe(200);
    const body = (await response.json()) as { commands: [{ value: [{ status: string; transactionId: string }] }] };
    expect(body.commands[0].value[0].status).toBe("SUCCESSFUL");
    expect(simulator.sentBodies()).toHaveLength(1);

    // The duplicate-event claim settled, then the request's record; and the toll-fraud counters' late
    // answer, should their statement have missed its 400 ms on a busy machine (the instance remembers it).
    expect(afterResponse.length).toBeGreaterThanOrEqual(2);
    expect(afterResponse.length).toBeLessThanOrEqual(3);
    await Promise.all(afterResponse);
    const database = connectDatabase({ url: local.url, driver: "server" });
    const store = databaseTransactionStore(() => database);
    expect(await store.getByEventId("uS5871kJThSsU8qlA1LTcg")).toMatchObject({
      referenceId: body.commands[0].value[0].transactionId,
      phone: "+98****3210",
      channel: "sms",
    });
    const claims = await database.query(
      "SELECT state, answer FROM event_claims WHERE event_key = $1",
      [eventKey("uS5871kJThSsU8qlA1LTcg")],
      { timeoutMs: 5_000 },
    );
    expect(claims).toEqual([{ state: "answered", answer: body }]);
  });

  it("answers Okta with an error object, not a crash, when unconfigured", async () => {
    const simulator = useTelesignSimulator();
    const { call } = await deployedFunction({ OKTA_AUTH_SECRETS: "", TELESIGN_API_KEY: "" });
    const response = await call(new Request(hookUrl, { method: "POST", body: JSON.stringify(oktaRequest()) }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ error: { errorSummary: "Hook not configured" } });
    expect(simulator.received).toEqual([]);
  });
});
