import { previewRequest } from "../preview/okta-preview.ts";
import { basicAuthorization } from "../src/telesign/request-signing.ts";
import { simulatorCredential } from "../tools/local-stack.ts";

/** The requests every part sends: fresh Okta requests, and the secrets the hook and the floor expect. */

export const hookSecret = "bench-hook-secret";
export const floorAuthorization = basicAuthorization(simulatorCredential);
/** What the hook and the floor read in every part: the simulator's credentials, the bench's secret. */
export const benchEnv = {
  TELESIGN_CUSTOMER_ID: simulatorCredential.customerId,
  TELESIGN_API_KEY: simulatorCredential.apiKey,
  OKTA_AUTH_SECRETS: hookSecret,
  FLOOR_TELESIGN_AUTHORIZATION: floorAuthorization,
};

export type Channel = "sms" | "voice";
let eventCounter = 0;
/**
 * A number of its own for each request, its range changing fastest (the counter's digits reversed),
 * as an org's users are spread over many ranges: the toll-fraud guard's default limits never trip.
 */
function benchPhoneNumber(counter: number): string {
  return `+1555${String(counter % 10_000_000)
    .padStart(7, "0")
    .split("")
    .reverse()
    .join("")}`;
}

/** A fresh Okta request (a new eventId each time, as from Okta), from one of many users. */
export function oktaBody(channel: Channel): string {
  const request = previewRequest({
    requestType: "com.okta.user.telephony.mfa-verification",
    channel,
    phoneNumber: benchPhoneNumber(eventCounter),
    locale: "EN-US",
    otpCode: "482915",
  });
  request.data.userProfile.userId = `00uBench${eventCounter % 100_000}`;
  request.eventId = `bench-${process.pid}-${eventCounter++}`;
  return JSON.stringify(request);
}
