import { describe, expect, it, vi } from "vitest";
import { claimStoreName } from "../src/storage/duplicate-events.ts";
import { idSegment } from "../src/storage/store-key.ts";
import { blobsTransactionStore, transactionStoreName } from "../src/storage/transaction-store.ts";
import { useBlobsServer } from "./support/blobs.ts";
import { baseEnv, hookUrl, oktaPost, useTelesignSimulator } from "./support/hook.ts";
import { oktaRequest } from "./support/okta-requests.ts";

const blobs = useBlobsServer();

/** The deployed function file, configured through process.env as on Netlify, with Netlify's Blobs context. */
async function deployedFunction(env: Record<string, string>) {
  vi.stubEnv("NETLIFY_BLOBS_CONTEXT", blobs.blobsContext());
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.resetModules();
  const { default: telesign } = await import("../netlify/functions/telesign.mts");
  const afterResponse: Promise<unknown>[] = [];
  const context = { waitUntil: (work: Promise<unknown>) => afterResponse.push(work) } as never;
  return { call: (request: Request) => telesign(request, context), afterResponse };
}

describe("netlify/functions/telesign", () => {
  it("serves Okta's sample from environment variables, and records it in Netlify Blobs after answering", async () => {
    const simulator = useTelesignSimulator();
    const { call, afterResponse } = await deployedFunction(baseEnv);
    const response = await call(oktaPost());
    expect(response.status).toBe(200);
    const body = (await response.json()) as { commands: [{ value: [{ status: string; transactionId: string }] }] };
    expect(body.commands[0].value[0].status).toBe("SUCCESSFUL");
    expect(simulator.sentBodies()).toHaveLength(1);

    expect(afterResponse).toHaveLength(2); // the duplicate-event claim, then the transaction record
    await Promise.all(afterResponse);
    const store = blobsTransactionStore(blobs.namedStore(transactionStoreName));
    expect(await store.getByEventId("uS5871kJThSsU8qlA1LTcg")).toMatchObject({
      referenceId: body.commands[0].value[0].transactionId,
      phone: "+98****3210",
      channel: "sms",
    });
    const claim = await blobs
      .namedStore(claimStoreName)
      .get(`claims/${idSegment("uS5871kJThSsU8qlA1LTcg")}`, { type: "json" });
    expect(claim).toMatchObject({ state: "answered", answer: body });
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
