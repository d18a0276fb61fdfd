import { describe, expect, it } from "vitest";
import { parseCallbackConfig, parseStatusConfig } from "../src/config.ts";
import { createCallbackReceiver } from "../src/handlers/telesign-callback.ts";
import { createTransactionStatus } from "../src/handlers/telesign-status.ts";
import type { TransactionStore } from "../src/storage/transaction-store.ts";
import { baseEnv, startHook } from "./support/hook.ts";
import { oktaRequest } from "./support/okta-requests.ts";

/** No function answers with CORS headers: browsers can never call them cross-origin. */

const corsHeaders = (response: Response) =>
  [...response.headers.keys()].filter((name) => name.startsWith("access-control-"));
const noStore = {} as TransactionStore;

describe("no CORS headers", () => {
  it.each([
    ["an accepted request", {}],
    ["an unauthenticated request", { headers: {} }],
    [
      "a preflight OPTIONS",
      { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "POST" } },
    ],
  ])("on the hook, for %s", async (_, options) => {
    const { response } = await startHook().call(oktaRequest(), options);
    expect(corsHeaders(response)).toEqual([]);
  });

  it.each(["POST", "OPTIONS"])("on the callback receiver, for %s", async (method) => {
    const receive = createCallbackReceiver({ config: parseCallbackConfig(baseEnv), transactions: () => noStore });
    const response = await receive(
      new Request("https://hook.example/cb", {
        method,
        headers: { origin: "https://evil.example" },
        body: method === "POST" ? "{}" : null,
      }),
    );
    expect(corsHeaders(response)).toEqual([]);
  });

  it.each(["GET", "OPTIONS"])("on the status endpoint, for %s", async (method) => {
    const status = createTransactionStatus({ config: parseStatusConfig(baseEnv), transactions: () => noStore });
    const response = await status(
      new Request("https://hook.example/s?referenceId=x", { method, headers: { origin: "https://evil.example" } }),
    );
    expect(corsHeaders(response)).toEqual([]);
  });
});
