import { previewRequest } from "../preview/okta-preview.ts";
import { simulatorCredential } from "../scripts/local-stack.ts";
import { TelesignSimulator } from "../simulator/telesign-simulator.ts";
import { parseConfig } from "../src/config.ts";
import { createDuplicateEvents } from "../src/duplicate-events.ts";
import { createTelephonyHook } from "../src/telephony-hook.ts";

const simulator = new TelesignSimulator({ ...simulatorCredential, scenarios: {} });
const direct: typeof fetch = (input, init) => simulator.handle(new Request(input, init));
const log = () => {};
const hook = createTelephonyHook({
  config: parseConfig({
    TELESIGN_CUSTOMER_ID: simulatorCredential.customerId,
    TELESIGN_API_KEY: simulatorCredential.apiKey,
    OKTA_AUTH_SECRETS: "s",
    TELESIGN_API_URL: "http://t.bench",
  }),
  duplicates: createDuplicateEvents({ log }),
  fetch: direct,
  log,
});
const base = previewRequest({
  requestType: "com.okta.user.telephony.mfa-verification",
  channel: "sms",
  phoneNumber: "+15555550100",
  locale: "EN-US",
  otpCode: "482915",
});
const t = performance.now();
for (let i = 0; i < 20000; i++) {
  base.eventId = `e${i}`;
  const r = await hook(
    new Request("http://h/", { method: "POST", headers: { authorization: "s" }, body: JSON.stringify(base) }),
  );
  await r.text();
}
console.log((performance.now() - t) / 20000, "ms/req");
