import { jsonResponse } from "../http/json.ts";

/**
 * What Okta accepts back from a telephony inline hook: a `commands` answer or an `error` object.
 * `errorSummary` may be shown to the end user: it never carries a secret, the phone number,
 * the code, or a provider's internals beyond its status code.
 */

export type TelephonyStatus = "SUCCESSFUL" | "PENDING" | "FAILED";

export interface TelephonyAction {
  status: TelephonyStatus;
  provider: string;
  transactionId: string;
  transactionMetadata: string;
}

export interface TelephonyCommands {
  commands: [{ type: "com.okta.telephony.action"; value: [TelephonyAction] }];
}

export interface ErrorCause {
  errorSummary: string;
  reason: string;
  location: string;
}

export interface TelephonyError {
  error: { errorSummary: string; errorCauses: ErrorCause[] };
}

export type TelephonyResponse = TelephonyCommands | TelephonyError;

/** Every `errorSummary` the hook returns besides a Telesign status code such as `"3110"`. */
export const errorSummaries = {
  invalidRequest: "Not a valid Okta request",
  unauthorized: "Unauthorized",
  methodNotAllowed: "Method not allowed",
  requestTooLarge: "Request too large",
  requestTooSlow: "Request too slow",
  messageBlocked: "Message blocked",
  hookTimeout: "Hook timed out",
  notConfigured: "Hook not configured",
  providerTimeout: "Message provider timed out",
  providerUnreachable: "Message provider unreachable",
  providerError: "Message provider error",
  internalError: "Internal error",
  duplicateInProgress: "Duplicate request in progress",
} as const;

export function telephonyAction(action: TelephonyAction): TelephonyCommands {
  return { commands: [{ type: "com.okta.telephony.action", value: [action] }] };
}

export function telephonyError(errorSummary: string, causes: Omit<ErrorCause, "errorSummary">[]): TelephonyError {
  return { error: { errorSummary, errorCauses: causes.map((cause) => ({ errorSummary, ...cause })) } };
}

export function oktaResponse(body: TelephonyResponse, status = 200, headers: Record<string, string> = {}): Response {
  return jsonResponse(status, body, headers);
}
