import type { SendFacts } from "../../src/storage/transaction-record.ts";
import type { OktaRequestRecord } from "../../src/storage/transaction-store.ts";

/** The record the hook writes for a request Telesign accepted, received at the send status's time. */
export function acceptedRequest(send: SendFacts, more: Partial<OktaRequestRecord> = {}): OktaRequestRecord {
  return {
    receivedAt: send.status.updatedOn,
    eventId: send.eventId,
    oktaRequestId: send.oktaRequestId,
    requestType: send.requestType,
    channel: send.channel,
    phoneMasked: send.phone,
    outcome: "accepted",
    referenceId: send.referenceId,
    telesign: { code: send.status.code, description: send.status.description, httpStatus: 200 },
    durationMs: 180,
    ...more,
  };
}
