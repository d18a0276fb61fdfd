import path from "node:path";
import { serveTelesignSimulator } from "../simulator/server.ts";
import { simulatorCredential } from "../tools/local-stack.ts";
import { serveFunctions } from "../tools/netlify-emulator.ts";
import { freePort } from "../tools/ports.ts";
import { projectRoot } from "../tools/project-root.mjs";
import { benchEnv, hookSecret, oktaBody } from "./okta-requests.ts";
import { type Stats, stats } from "./statistics.ts";

/** Part of npm run bench: over HTTP, through Netlify's local emulation. */
export async function overHttp(smoke: boolean) {
  const delayMs = 150;
  const telesign = await serveTelesignSimulator({ ...simulatorCredential, scenarios: {}, latencyMs: delayMs });
  const emulatorEnv = { ...benchEnv, TELESIGN_API_URL: telesign.url };
  // Each is its own site on Netlify's emulation, built into a folder of its own.
  const [hook, floorSite] = await Promise.all([
    serveFunctions({ port: await freePort(), env: emulatorEnv, answering: ["telesign"] }),
    serveFunctions({
      port: await freePort(),
      env: emulatorEnv,
      sources: path.join(projectRoot, "bench", "functions"),
      // The floor answers POSTs only; loaded is ready.
      answering: [],
    }),
  ]);
  const urls = { hook: `${hook.baseUrl}/telesign`, floor: `${floorSite.baseUrl}/floor` };
  try {
    const results: Record<string, Stats & { addedP50: number; addedP99: number }> = {};
    for (const concurrency of smoke ? [1] : [1, 4, 16]) {
      const requests = smoke ? 4 : concurrency * 12;
      for (const [name, url] of Object.entries(urls)) {
        const latencies: number[] = [];
        const started = performance.now();
        let next = 0;
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            while (next++ < requests) {
              const t0 = performance.now();
              const response = await fetch(url, {
                method: "POST",
                headers: { authorization: hookSecret },
                body: oktaBody("sms"),
              });
              const answer = await response.text();
              if (!answer.includes("SUCCESSFUL"))
                throw new Error(`${name} answered ${response.status}: ${answer.slice(0, 200)}`);
              latencies.push(performance.now() - t0);
            }
          }),
        );
        const measured = stats(latencies, (performance.now() - started) / 1000);
        const added = (value: number) => Number((value - delayMs).toFixed(1));
        results[`${name} c=${concurrency}`] = {
          ...measured,
          addedP50: added(measured.p50),
          addedP99: added(measured.p99),
        };
      }
    }
    return { telesignDelayMs: delayMs, results };
  } finally {
    await Promise.all([hook.stop(), floorSite.stop()]);
    await telesign.close();
  }
}
