import { describe, expect, it, vi } from "vitest";
import { baseEnv, hookUrl, oktaSecret, useTelesignSimulator } from "./support/hook.ts";
import { oktaRequest } from "./support/okta-requests.ts";

/** The deployed function file, configured through process.env as on Netlify. */
async function deployedFunction(env: Record<string, string>) {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.resetModules();
  const { default: telesign } = await import("../netlify/functions/telesign.mts");
  return telesign;
}

describe("netlify/functions/telesign", () => {
  it("serves Okta's sample from environment variables", async () => {
    const simulator = useTelesignSimulator();
    const telesign = await deployedFunction(baseEnv);
    const response = await telesign(
      new Request(hookUrl, {
        method: "POST",
        headers: { authorization: oktaSecret, "content-type": "application/json" },
        body: JSON.stringify(oktaRequest()),
      }),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ commands: [{ value: [{ status: "SUCCESSFUL" }] }] });
    expect(simulator.sentBodies()).toHaveLength(1);
  });

  it("answers Okta with an error object, not a crash, when unconfigured", async () => {
    const simulator = useTelesignSimulator();
    const telesign = await deployedFunction({ OKTA_AUTH_SECRETS: "", TELESIGN_API_KEY: "" });
    const response = await telesign(new Request(hookUrl, { method: "POST", body: JSON.stringify(oktaRequest()) }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ error: { errorSummary: "Hook not configured" } });
    expect(simulator.received).toEqual([]);
  });
});
