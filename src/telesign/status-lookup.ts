import { TelesignTimeoutError } from "./errors.ts";
import type { TelesignAnswer } from "./omnichannel-message.ts";
import { statusLookupCodes } from "./status-codes.ts";

/** What asking Telesign for a message's status gave: `ok`, or why its status is missing. */
export type TelesignLookup =
  | "ok"
  | "not_enabled"
  | "expired"
  | "invalid_reference"
  | "refused"
  | "timeout"
  | "unavailable"
  | "not_configured";

/** Telesign's answer to a status lookup, classified: only `ok` carries the message's status. */
export function lookupOf(answer: TelesignAnswer): TelesignLookup {
  const { code } = answer.status;
  if (code === statusLookupCodes.notEnabled) return "not_enabled";
  if (code === statusLookupCodes.expired || answer.httpStatus === 404) return "expired";
  if (code === statusLookupCodes.invalidReference) return "invalid_reference";
  if (answer.httpStatus !== 200) return "refused";
  return "ok";
}

/** A status lookup that got no answer: it timed out, or Telesign could not be reached. */
export function failedLookupOf(error: unknown): TelesignLookup {
  return error instanceof TelesignTimeoutError ? "timeout" : "unavailable";
}
