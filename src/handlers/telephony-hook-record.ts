import type { Finding } from "../fraud/rules.ts";
import { countryCallingCode, maskPhoneNumber } from "../mapping/phone-number.ts";
import type { TelephonyRequest } from "../okta/telephony-request.ts";
import { phoneHash } from "../storage/phone-hash.ts";
import type { FraudFacts, OktaRequestRecord } from "../storage/transaction-store.ts";
import type { SendResult } from "../telesign/send-within-deadline.ts";

/**
 * What the telephony hook's record of a request keeps, fact by fact: the request (never the code),
 * the toll-fraud guard's decision and Telesign's answer. Written after Okta has its answer.
 */

/** What the record of an authenticated request says besides its time, outcome and duration. */
export type RecordFacts = Omit<OktaRequestRecord, "receivedAt" | "outcome" | "durationMs">;

/** What the record keeps of a valid request: ids, the masked phone and its keyed hash, never the code. */
export function recordFactsOf(oktaRequest: TelephonyRequest, phoneHashKey: string | undefined): RecordFacts {
  const { phoneNumber, channel } = oktaRequest.delivery;
  return {
    eventId: oktaRequest.eventId,
    oktaRequestId: oktaRequest.oktaRequestId,
    requestType: oktaRequest.requestType,
    channel,
    oktaUserId: oktaRequest.oktaUserId,
    oktaLogin: oktaRequest.oktaLogin,
    phoneMasked: maskPhoneNumber(phoneNumber),
    phoneHash: phoneHashKey === undefined ? undefined : phoneHash(phoneHashKey, phoneNumber),
    countryCode: countryCallingCode(phoneNumber),
  };
}

/** What the record keeps of the toll-fraud guard's decision. */
export function fraudFactsOf(
  country: string | undefined,
  blockedBy: Finding | undefined,
  wouldBlock: Finding[] = [],
  unavailable?: true,
): FraudFacts {
  const found = blockedBy === undefined ? wouldBlock : [blockedBy];
  const verdict =
    blockedBy !== undefined ? "blocked" : found.length > 0 ? "would_block" : unavailable ? "unavailable" : undefined;
  return {
    country,
    verdict,
    rules: found.length > 0 ? found.map(({ rule }) => rule).join(",") : undefined,
    scope: found.find(({ scope }) => scope !== undefined)?.scope,
  };
}

/** What the record keeps of Telesign's answer to the send. */
export function deliveryFactsOf(delivery: SendResult, telesignMs: number): Partial<RecordFacts> {
  const answer = delivery.ok ? delivery.answer : undefined;
  return {
    telesignMs,
    telesignAttempts: delivery.attempts,
    referenceId: answer?.reference_id,
    telesign:
      answer === undefined
        ? undefined
        : { code: answer.status.code, description: answer.status.description, httpStatus: answer.httpStatus },
  };
}
