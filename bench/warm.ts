import { TelesignSimulator } from "../simulator/telesign-simulator.ts";
import { parseConfig } from "../src/config.ts";
import { createTelephonyHook } from "../src/handlers/telephony-hook.ts";
import type { Logger } from "../src/log.ts";
import { createDuplicateEvents } from "../src/storage/duplicate-events.ts";
import { simulatorCredential } from "../tools/local-stack.ts";
import floor from "./functions/floor.mts";
import { benchEnv, floorAuthorization, hookSecret, oktaBody } from "./okta-requests.ts";
import { type Stats, stats } from "./statistics.ts";

/** Part of npm run bench: warm, in process. */
export async function warmInProcess(smoke: boolean) {
  const simulator = new TelesignSimulator({ ...simulatorCredential, scenarios: {} });
  const direct: typeof fetch = (input, init) => simulator.handle(new Request(input, init));
  const discard: Logger = (level, message, fields) => void JSON.stringify({ level, message, ...fields });
  const hook = createTelephonyHook({
    config: parseConfig({ ...benchEnv, TELESIGN_API_URL: "https://telesign.bench" }),
    duplicates: createDuplicateEvents({ log: discard }),
    fetch: direct,
    log: discard,
  });
  process.env.TELESIGN_API_URL = "https://telesign.bench";
  process.env.FLOOR_TELESIGN_AUTHORIZATION = floorAuthorization;
  const realFetch = globalThis.fetch;

  const candidates = {
    // Okta sends content-length, as every request does once it has crossed the wire.
    hook: (body: string) =>
      hook(
        new Request("http://hook.bench/", {
          method: "POST",
          headers: { authorization: hookSecret, "content-length": String(Buffer.byteLength(body)) },
          body,
        }),
      ),
    floor: (body: string) => {
      globalThis.fetch = direct; // the floor calls the global fetch: the same fake Telesign
      const headers = { "content-length": String(Buffer.byteLength(body)) };
      return floor(new Request("http://hook.bench/", { method: "POST", headers, body })).finally(() => {
        globalThis.fetch = realFetch;
      });
    },
  };
  const perRound = smoke ? 50 : 2_000;
  const rounds = smoke ? 1 : 5;
  const results: Record<string, Stats> = {};
  for (const channel of ["sms", "voice"] as const) {
    const samples: Record<string, { latencies: number[]; seconds: number }> = {
      hook: { latencies: [], seconds: 0 },
      floor: { latencies: [], seconds: 0 },
    };
    // Warm-up: both candidates compiled and cached before anything is measured, and each checked
    // to deliver: a refusal would be measured as a very fast hook.
    for (const [name, call] of Object.entries(candidates)) {
      for (let i = 0; i < 200; i++) {
        const answer = await (await call(oktaBody(channel))).text();
        if (!answer.includes('"SUCCESSFUL"')) throw new Error(`${name} did not deliver: ${answer.slice(0, 200)}`);
      }
    }
    // Interleaved rounds: both candidates see the same machine moments.
    for (let round = 0; round < rounds; round++) {
      for (const [name, call] of Object.entries(candidates)) {
        const bodies = Array.from({ length: perRound }, () => oktaBody(channel));
        const sample = samples[name] as { latencies: number[]; seconds: number };
        const started = performance.now();
        for (const body of bodies) {
          const t0 = performance.now();
          const response = await call(body);
          await response.text();
          sample.latencies.push(performance.now() - t0);
        }
        sample.seconds += (performance.now() - started) / 1000;
      }
    }
    for (const [name, { latencies, seconds }] of Object.entries(samples))
      results[`${name} ${channel}`] = stats(latencies, seconds);
  }
  return results;
}
