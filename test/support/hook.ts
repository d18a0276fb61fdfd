import { http } from "msw";
import { expect } from "vitest";
import { judgeAnswer } from "../../preview/okta-preview.ts";
import { TelesignSimulator, type TelesignSimulatorOptions } from "../../simulator/telesign-simulator.ts";
import { parseConfig } from "../../src/config.ts";
import { parseGuardConfig } from "../../src/fraud/guard-config.ts";
import { memoryRateCounters, type RateCounters } from "../../src/fraud/rate-counters.ts";
import { memoryRiskCache, type RiskCache } from "../../src/fraud/risk-check.ts";
import { createTelephonyHook } from "../../src/handlers/telephony-hook.ts";
import type { TransactionStore } from "../../src/storage/transaction-store.ts";
import { server } from "./msw-server.ts";
import { oktaRequest } from "./okta-requests.ts";
import { apiKey, oktaSecret } from "./secrets.ts";

export { apiKey, oktaSecret };

export const telesignUrl = "https://rest-ww.telesign.com";
export const customerId = "A1B2C3D4-0000-4000-8000-0123456789AB";
export const hookUrl = "https://hook.example/.netlify/functions/telesign";

export const baseEnv = {
  TELESIGN_CUSTOMER_ID: customerId,
  TELESIGN_API_KEY: apiKey,
  OKTA_AUTH_SECRETS: oktaSecret,
};

/** Serves a Telesign simulator through msw for the rest of the test. */
export function useTelesignSimulator(options: Partial<TelesignSimulatorOptions> = {}): TelesignSimulator {
  const simulator = new TelesignSimulator({ customerId, apiKey, maxHangMs: 5_000, ...options });
  server.use(http.all(`${telesignUrl}/*`, ({ request }) => simulator.handle(request)));
  return simulator;
}

/** Okta's POST of a telephony request to the hook, carrying the hook's secret by default. */
export function oktaPost(
  body: unknown = oktaRequest(),
  headers: Record<string, string> = { authorization: oktaSecret },
) {
  return new Request(hookUrl, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

interface CallOptions {
  method?: string;
  headers?: Record<string, string>;
  /** The raw body (a string, or a stream that arrives over time); by default the JSON of `body`. */
  rawBody?: string | ReadableStream<Uint8Array>;
}

/** The hook as configured by `env` (over baseEnv, `undefined` removes a variable), with a Telesign simulator behind it. */
export function startHook(
  env: Record<string, string | undefined> = {},
  simulatorOptions: Partial<TelesignSimulatorOptions> = {},
  {
    transactions,
    counters = memoryRateCounters(),
    riskCache = memoryRiskCache(),
  }: { transactions?: () => TransactionStore; counters?: RateCounters; riskCache?: RiskCache } = {},
) {
  const simulator = useTelesignSimulator(simulatorOptions);
  const config = parseConfig({ ...baseEnv, ...env });
  const fraud = { config: parseGuardConfig({ ...baseEnv, ...env }), counters, riskCache };
  const hook = createTelephonyHook({ config, transactions, fraud });
  /** The work each request left running after its answer (Netlify's context.waitUntil). */
  const afterResponse: Promise<unknown>[] = [];
  const call = async (
    body: unknown,
    { method = "POST", headers = { authorization: oktaSecret }, rawBody }: CallOptions = {},
  ) => {
    const hasBody = method !== "GET" && method !== "HEAD";
    const response = await hook(
      new Request(hookUrl, {
        method,
        headers: { "content-type": "application/json", accept: "application/json", ...headers },
        body: hasBody ? (rawBody ?? JSON.stringify(body)) : null,
        ...(rawBody instanceof ReadableStream && { duplex: "half" }),
      }),
      { waitUntil: (work) => afterResponse.push(work) },
    );
    const text = await response.text();
    // Every answer must be one Okta can read: a 200 that Okta would skip is a broken contract.
    if (response.status === 200)
      expect(judgeAnswer({ httpStatus: 200, durationMs: 0, body: text }).verdict).not.toBe("skip");
    return { response, status: response.status, json: JSON.parse(text) as Record<string, any> };
  };
  return { simulator, call, config, afterResponse };
}
