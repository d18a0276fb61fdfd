import type { Delivery, RequestIssue } from "./telephony-request.ts";

/**
 * The SMS text is Okta's code message, nothing else: whoever holds the hook's credential must not
 * be able to send any text to any number under the org's sender id. Okta's SMS templates are at
 * most 160 characters, code and variables included; twice that leaves room for any translation.
 */
export const maxMessageTextLength = 320;

/** Why the message is not one Okta would send, or undefined. Issues never repeat the text. */
export function codeMessageIssue(delivery: Delivery): RequestIssue | undefined {
  if (delivery.channel !== "sms") return undefined;
  const location = "data.messageProfile.msgTemplate";
  // UTF-16 units are at least as many as characters: count characters only for a long text.
  if (delivery.text.length > maxMessageTextLength && [...delivery.text].length > maxMessageTextLength) {
    return { location, reason: `is longer than ${maxMessageTextLength} characters` };
  }
  if (delivery.otpCode !== undefined && !delivery.text.includes(delivery.otpCode)) {
    return { location, reason: "does not contain otpCode" };
  }
  return undefined;
}
