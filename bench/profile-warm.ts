/**
 * `npm run bench:profile`: the warm path alone (20,000 SMS requests through the real handler and
 * a zero-latency fake Telesign), run under `node --cpu-prof`. The profile lands in bench/results;
 * open it in Chrome DevTools (Performance) or any .cpuprofile viewer.
 */
import { previewRequest } from "../preview/okta-preview.ts";
import { TelesignSimulator } from "../simulator/telesign-simulator.ts";
import { parseConfig } from "../src/config.ts";
import { createTelephonyHook } from "../src/handlers/telephony-hook.ts";
import { createDuplicateEvents } from "../src/storage/duplicate-events.ts";
import { simulatorCredential } from "../tools/local-stack.ts";

const simulator = new TelesignSimulator({ ...simulatorCredential, scenarios: {} });
const log = () => {};
const hook = createTelephonyHook({
  config: parseConfig({
    TELESIGN_CUSTOMER_ID: simulatorCredential.customerId,
    TELESIGN_API_KEY: simulatorCredential.apiKey,
    TELESIGN_API_URL: "https://telesign.bench",
    OKTA_AUTH_SECRETS: "bench-hook-secret",
  }),
  duplicates: createDuplicateEvents({ log }),
  fetch: (input, init) => simulator.handle(new Request(input, init)),
  log,
});
const request = previewRequest({
  requestType: "com.okta.user.telephony.mfa-verification",
  channel: "sms",
  phoneNumber: "+15555550100",
  locale: "EN-US",
  otpCode: "482915",
});

const requests = 20_000;
const started = performance.now();
for (let index = 0; index < requests; index++) {
  request.eventId = `profile-${index}`;
  const body = JSON.stringify(request);
  const headers = { authorization: "bench-hook-secret", "content-length": String(Buffer.byteLength(body)) };
  await (await hook(new Request("http://hook.bench/", { method: "POST", headers, body }))).text();
}
console.log(`${(((performance.now() - started) * 1000) / requests).toFixed(1)} µs per request`);
