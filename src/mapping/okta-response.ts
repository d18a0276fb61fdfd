import type { DeliveryChannel } from "../okta/telephony-request.ts";
import { errorSummaries, type TelephonyResponse, telephonyAction, telephonyError } from "../okta/telephony-response.ts";
import { type TelesignError, TelesignHttpError, TelesignTimeoutError } from "../telesign/errors.ts";
import type { TelesignAnswer } from "../telesign/omnichannel-message.ts";
import { messageInProgress } from "../telesign/status-codes.ts";

/** What Telesign's answer to a send means for Okta. Pure. */

export type DeliveryOutcome = "accepted" | "rejected" | "timeout" | "unreachable" | "bad_answer";

export interface MappedResponse {
  outcome: DeliveryOutcome;
  body: TelephonyResponse;
}

interface ResponseContext {
  channel: DeliveryChannel;
  /** Okta's locale, echoed as the error cause's `location` as Telesign's own hook does. */
  locale: string | undefined;
  durationMs: number;
}

export function oktaResponseOf(
  answer: TelesignAnswer,
  { channel, locale, durationMs }: ResponseContext,
): MappedResponse {
  const { code, description } = answer.status;
  // Accepted means the message will go out: answering anything but success would make Okta send a second one.
  if (code === messageInProgress) {
    return {
      outcome: "accepted",
      body: telephonyAction({
        status: "SUCCESSFUL",
        provider: "Telesign",
        transactionId: answer.reference_id ?? "",
        transactionMetadata: `channel=${channel} code=${code} duration=${Math.round(durationMs)}ms`,
      }),
    };
  }
  return {
    outcome: "rejected",
    body: telephonyError(String(code), [{ reason: description || `Telesign status ${code}`, location: locale ?? "" }]),
  };
}

export function oktaResponseToFailure(
  error: TelesignError,
  { locale }: Pick<ResponseContext, "locale">,
): MappedResponse {
  const location = locale ?? "";
  if (error instanceof TelesignHttpError) {
    return {
      outcome: "bad_answer",
      body: telephonyError(errorSummaries.providerError, [
        { reason: `Telesign answered HTTP ${error.httpStatus} without a status`, location },
      ]),
    };
  }
  if (error instanceof TelesignTimeoutError) {
    return {
      outcome: "timeout",
      body: telephonyError(errorSummaries.providerTimeout, [
        { reason: `Telesign did not answer within ${error.timeoutMs} ms`, location },
      ]),
    };
  }
  return {
    outcome: "unreachable",
    body: telephonyError(errorSummaries.providerUnreachable, [{ reason: "Telesign could not be reached", location }]),
  };
}
