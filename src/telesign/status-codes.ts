/**
 * What Telesign's status codes mean to this hook, in one place: the client, the resubmission
 * rule, the transaction records and the status endpoint all read them from here.
 * Source: Telesign's Messaging API, "Transaction callback" and "Status codes".
 */

/** "Message in progress": Telesign accepted the message; the final status comes later. */
export const messageInProgress = 3001;

/** "System unavailable": the one answer Telesign says should be resubmitted. */
export const systemUnavailable = 3500;

/** Answers to `GET /v1/omnichannel/{referenceId}` that say something about the lookup itself. */
export const statusLookupCodes = {
  /** The status feature is not enabled on the account. */
  notEnabled: 3206,
  /** The reference id is older than Telesign keeps (12 hours); also HTTP 404. */
  expired: -10004,
  /** Not a reference id Telesign knows. */
  invalidReference: 3311,
} as const;

/** Delivered, read, or sent without a handset's confirmation (probable delivery). */
const delivered = new Set([3000, 3004, 3005]);

/** In progress, handed to the gateway, queued, or final status unknown. */
const inProgress = new Set([3001, 3002, 3039, 3040]);

/**
 * Delivery failures. The hook never asks for a fallback channel, so 3056 (failed within the
 * fallback time) is final here too.
 */
function isDeliveryFailure(code: number): boolean {
  return (
    [3003, 3006, 3011, 3012, 3056, 3057, 3058, 3100, 3112, 3200, 3306].includes(code) ||
    (code >= 3030 && code <= 3038) ||
    (code >= 3041 && code <= 3055) ||
    (code >= 3071 && code <= 3073)
  );
}

export type DeliveryState = "delivered" | "in_progress" | "failed";

/** What a delivery status code says of the message; a code this table does not know is in progress. */
export function deliveryStateOf(code: number): DeliveryState {
  if (delivered.has(code)) return "delivered";
  if (inProgress.has(code)) return "in_progress";
  return isDeliveryFailure(code) ? "failed" : "in_progress";
}
