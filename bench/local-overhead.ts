import { sendPreview } from "../preview/okta-preview.ts";
import { startLocalStack } from "../tools/local-stack.ts";
import { freePort } from "../tools/ports.ts";
import { oktaBody } from "./okta-requests.ts";
import { stats } from "./statistics.ts";

/**
 * `npm start` as a user runs it (simulator, emulation): each answer's time at the client minus
 * the `durationMs` the function logged for it, one request at a time.
 */
export async function localOverhead(smoke: boolean) {
  const lines: string[] = [];
  const stack = await startLocalStack({ port: await freePort(), onOutput: (line) => lines.push(line) });
  const overheads: number[] = [];
  const totals: number[] = [];
  try {
    const requests = smoke ? 4 : 100;
    for (let sent = 0; sent < requests; sent++) {
      const request = JSON.parse(oktaBody("sms")) as { eventId: string };
      const exchange = await sendPreview(stack.url, request, {
        authHeader: { name: stack.headerName, value: stack.secret },
      });
      if (exchange.verdict !== "accept") throw new Error(`not accepted: ${exchange.body.slice(0, 200)}`);
      const durationMs = await loggedDuration(lines, request.eventId);
      overheads.push(exchange.durationMs - durationMs);
      totals.push(exchange.durationMs);
    }
  } finally {
    await stack.stop();
  }
  const summary = (values: number[]) => {
    const { n, p50, p99, max } = stats(values, 1);
    return { n, p50, p99, max };
  };
  return { overheadMs: summary(overheads), answerMs: summary(totals) };
}

/** The durationMs of the hook's log line about an event (the emulator prints it just before the answer). */
async function loggedDuration(lines: string[], eventId: string): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const line = lines.find((candidate) => candidate.includes(`"eventId":"${eventId}"`));
    if (line !== undefined) return (JSON.parse(line) as { durationMs: number }).durationMs;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no log line for event ${eventId}`);
}
