import { parseConfig } from "../src/config.ts";
import { createTelephonyHook } from "../src/handlers/telephony-hook.ts";
import { benchEnv, hookSecret, oktaBody } from "./okta-requests.ts";
import { percentile } from "./statistics.ts";

/** Part of npm run bench: deadline. */
export async function deadline(smoke: boolean) {
  const budgetMs = 500;
  const hanging: typeof fetch = () => new Promise<never>(() => {});
  const hook = createTelephonyHook({
    config: parseConfig({ ...benchEnv, TELESIGN_TIMEOUT_MS: String(budgetMs) }),
    fetch: hanging,
    log: () => {},
  });
  const overshoots: number[] = [];
  const runs = smoke ? 2 : 200;
  for (let batch = 0; batch < runs / 20; batch++) {
    await Promise.all(
      Array.from({ length: Math.min(20, runs) }, async () => {
        const started = performance.now();
        const response = await hook(
          new Request("http://hook.bench/", {
            method: "POST",
            headers: { authorization: hookSecret },
            body: oktaBody("sms"),
          }),
        );
        const answer = await response.text();
        overshoots.push(performance.now() - started - budgetMs);
        if (!answer.includes("Message provider timed out")) throw new Error(`not a timeout: ${answer.slice(0, 200)}`);
      }),
    );
  }
  const at = (p: number) => Number(percentile(overshoots, p).toFixed(1));
  return { budgetMs, runs: overshoots.length, overshootMs: { p50: at(0.5), p99: at(0.99), max: at(1) } };
}
