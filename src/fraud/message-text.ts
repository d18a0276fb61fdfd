import type { Delivery, RequestIssue } from "../okta/telephony-request.ts";
import type { SmsText } from "./guard-config.ts";

/**
 * The code is Okta's (4 to 10 digits), by SMS or voice. The SMS text is Okta's code message, nothing else: whoever holds the hook's credential must not
 * be able to relay any text to any number under the org's sender id. So for SMS the code is
 * required and looks like Okta's (4 to 10 digits); Okta's text must contain it and carry no link
 * and no other number to call or text back, except the WebOTP line (`@host #code`, the last line)
 * that Okta's templates may end with, for the org's own hosts. Or, with `SMS_TEXT=template`, the
 * hook sends its own text. Okta's SMS templates are at most 160 characters, code and variables
 * included; twice that leaves room for any translation.
 *
 * The text is read as a phone shows it: compatibility forms folded (NFKC: fullwidth digits and
 * letters), invisible format characters dropped (zero-width space, soft hyphen), and the dots a
 * browser reads as a host's dot (`。`, `．`, `｡`) taken as dots between Latin letters or digits
 * (`evil。com`; a Japanese or Chinese sentence ends with `。` too); digits are every script's.
 */

export const maxMessageTextLength = 320;

/** Where the code goes in `SMS_TEMPLATE`. */
export const otpCodePlaceholder = "{code}";

const oktaCode = /^\d{4,10}$/;

/** A URL scheme or `www.`: a link whatever its host. */
const scheme = /[a-z][a-z\d+.-]*:\/\/|(?<![\p{L}\p{N}-])www\./iu;

/**
 * A host name (`evil.example`, `bit.ly/x`, `a.b.example`): anything a phone may show as a link. The
 * label before the top-level domain has a letter, so that a sentence that follows the code without
 * a space (`123456.Valid 5 min`) is not taken for one.
 */
const hostName =
  /(?<![\p{L}\p{N}-])(?:[\p{L}\p{N}-]+\.)*[\p{L}\p{N}-]*\p{L}[\p{L}\p{N}-]*\.\p{L}[\p{L}\p{N}-]{1,62}(?![\p{L}\p{N}-])/gu;

/**
 * More digits than this besides the code, in the whole text and however separated (`0800 555
 * 1234`, `0800–555–1234`, `٠٨٠٠`), is a number to call or text back. Four lets Okta's texts say
 * how long a code lasts (`expires in 10 minutes`, `valid for 300 s`, `until 14:35`) and refuses any
 * phone number and a short code of five digits or more (a four-digit short code remains possible).
 */
const maxOtherDigits = 4;

/** Why the message is not one Okta would send, or undefined. Issues never repeat the text, the code or a threshold. */
export function messageTextIssue(
  delivery: Delivery,
  smsText: SmsText,
  /** The hosts the text may name (lower case): the org's Okta domain and SMS_ALLOWED_HOSTS. */
  allowedHosts: ReadonlySet<string> = new Set(),
): RequestIssue | undefined {
  const { otpCode } = delivery;
  const codeLocation = "data.messageProfile.otpCode";
  if (otpCode === undefined) return { location: codeLocation, reason: "is required for SMS" };
  // A voice call speaks the code: anything else spoken (a word, a long number) is not Okta's.
  if (!oktaCode.test(otpCode)) return { location: codeLocation, reason: "must be 4 to 10 digits, as Okta's codes are" };
  if (delivery.channel !== "sms" || smsText.mode === "template") return undefined;
  return textIssue(delivery.text, otpCode, allowedHosts);
}

/** The same rules for any text around a code (Okta's, or SMS_TEMPLATE at configuration time). */
export function textIssue(
  original: string,
  otpCode: string,
  allowedHosts: ReadonlySet<string>,
): RequestIssue | undefined {
  const location = "data.messageProfile.msgTemplate";
  // UTF-16 units are at least as many as characters: count characters only for a long text.
  if (original.length > maxMessageTextLength && [...original].length > maxMessageTextLength) {
    return { location, reason: "is longer than a code message may be" };
  }
  const text = asShown(original);
  const body = withoutWebOtpLine(text, otpCode, allowedHosts);
  // The code, once, as one token: not inside a longer number, not spread out (`800-555-1234`).
  const codeToken = new RegExp(`(?<!\\p{Nd})${otpCode}(?!\\p{Nd})`, "u");
  if (!codeToken.test(body)) {
    return { location, reason: "does not contain otpCode" };
  }
  const rest = body.replace(codeToken, " ");
  if (scheme.test(rest)) return { location, reason: "contains a link" };
  for (const match of rest.matchAll(hostName)) {
    if (!allowedHosts.has(match[0].toLowerCase()) || rest[match.index + match[0].length] === "/") {
      return { location, reason: "contains a link" };
    }
  }
  if ((rest.match(/\p{Nd}/gu)?.length ?? 0) > maxOtherDigits) {
    return { location, reason: "contains a phone number (digits besides the code)" };
  }
  return undefined;
}

/** The text as a phone shows it: compatibility forms folded, invisible characters dropped, look-alike dots in a host read as dots. */
function asShown(text: string): string {
  return text
    .normalize("NFKC")
    .replace(/\p{Cf}/gu, "")
    .replace(/(?<=[a-z\d-])[\u3002\uFF0E\uFF61](?=[a-z\d])/gi, ".");
}

const hostPattern = "@([a-z\\d](?:[a-z\\d-]*[a-z\\d])?(?:\\.[a-z\\d](?:[a-z\\d-]*[a-z\\d])?)+)(?::\\d{1,5})?";

/**
 * The text without its WebOTP line (`@login.example.com #123456`, optionally followed by
 * ` @parent-origin`), which lets a browser fill the code in, when every host it names is allowed.
 */
function withoutWebOtpLine(text: string, otpCode: string, allowedHosts: ReadonlySet<string>): string {
  const lines = text.trimEnd().split(/\r?\n/);
  const last = lines.at(-1)?.trim() ?? "";
  const webOtp = new RegExp(`^${hostPattern} #${otpCode}(?: ${hostPattern})?$`, "i").exec(last);
  if (webOtp === null) return text;
  const hosts = [webOtp[1], webOtp[2]].filter((host) => host !== undefined);
  return hosts.every((host) => allowedHosts.has(host.toLowerCase())) ? lines.slice(0, -1).join("\n") : text;
}

/** The text Telesign sends: Okta's, or `SMS_TEMPLATE` around the code. */
export function smsTextToSend(delivery: Extract<Delivery, { channel: "sms" }>, smsText: SmsText): string {
  if (smsText.mode === "okta" || delivery.otpCode === undefined) return delivery.text;
  return smsText.template.replaceAll(otpCodePlaceholder, delivery.otpCode);
}
