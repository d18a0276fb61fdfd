import type { Delivery, RequestIssue } from "../okta/telephony-request.ts";
import type { SmsText } from "./guard-config.ts";

/**
 * The SMS text is Okta's code message, nothing else: whoever holds the hook's credential must not
 * be able to relay any text to any number under the org's sender id. So for SMS the code is
 * required and looks like Okta's (4 to 10 digits); Okta's text must contain it and carry no link
 * and no other number to call or text back, except the WebOTP line (`@host #code`, the last line)
 * that Okta's templates may end with. Or, with `SMS_TEXT=template`, the hook sends its own text.
 * Okta's SMS templates are at most 160 characters, code and variables included; twice that leaves
 * room for any translation.
 */

export const maxMessageTextLength = 320;

/** Where the code goes in `SMS_TEMPLATE`. */
export const otpCodePlaceholder = "{code}";

const oktaCode = /^\d{4,10}$/;

/**
 * A URL scheme, `www.`, or a host name (`evil.example`, `bit.ly/x`): anything a phone shows as a
 * link. A name's last label before its top-level domain has a letter, so that a sentence that
 * follows the code without a space (`123456.Valid 5 min`) is not taken for one.
 */
const link = /[a-z][a-z\d+.-]*:\/\/|\bwww\.|[\p{L}\p{N}-]*\p{L}[\p{L}\p{N}-]*\.\p{L}[\p{L}\p{N}-]{1,62}/iu;

/** Digits written as one number: joined by at most two of space, dot, dash, slash and parentheses. */
const digitRun = /\d(?:[\s.\-/()]{0,2}\d)*/g;

/** More digits than this in one run, other than the code itself, is a number to call or text. */
const maxOtherDigits = 4;

/** Why the message is not one Okta would send, or undefined. Issues never repeat the text or the code. */
export function messageTextIssue(delivery: Delivery, smsText: SmsText): RequestIssue | undefined {
  if (delivery.channel !== "sms") return undefined;
  const { otpCode } = delivery;
  const codeLocation = "data.messageProfile.otpCode";
  if (otpCode === undefined) return { location: codeLocation, reason: "is required for SMS" };
  if (!oktaCode.test(otpCode)) return { location: codeLocation, reason: "must be 4 to 10 digits, as Okta's codes are" };
  if (smsText.mode === "template") return undefined;

  const location = "data.messageProfile.msgTemplate";
  const { text } = delivery;
  // UTF-16 units are at least as many as characters: count characters only for a long text.
  if (text.length > maxMessageTextLength && [...text].length > maxMessageTextLength) {
    return { location, reason: `is longer than ${maxMessageTextLength} characters` };
  }
  if (!text.includes(otpCode)) return { location, reason: "does not contain otpCode" };
  const body = withoutWebOtpLine(text, otpCode);
  if (link.test(body)) return { location, reason: "contains a link" };
  for (const [run] of body.matchAll(digitRun)) {
    const digits = run.replace(/\D/g, "");
    if (digits.length > maxOtherDigits && digits !== otpCode) return { location, reason: "contains a phone number" };
  }
  return undefined;
}

/**
 * The text without its WebOTP line (`@login.example.com #123456`, optionally followed by
 * ` @parent-origin`), which lets a browser fill the code in: the only host an Okta text may name.
 */
function withoutWebOtpLine(text: string, otpCode: string): string {
  const lines = text.trimEnd().split(/\r?\n/);
  const last = lines.at(-1)?.trim() ?? "";
  const host = "@[a-z\\d](?:[a-z\\d-]*[a-z\\d])?(?:\\.[a-z\\d](?:[a-z\\d-]*[a-z\\d])?)+(?::\\d{1,5})?";
  const webOtp = new RegExp(`^${host} #${otpCode}(?: ${host})?$`, "i");
  return webOtp.test(last) ? lines.slice(0, -1).join("\n") : text;
}

/** The text Telesign sends: Okta's, or `SMS_TEMPLATE` around the code. */
export function smsTextToSend(delivery: Extract<Delivery, { channel: "sms" }>, smsText: SmsText): string {
  if (smsText.mode === "okta" || delivery.otpCode === undefined) return delivery.text;
  return smsText.template.replaceAll(otpCodePlaceholder, delivery.otpCode);
}
