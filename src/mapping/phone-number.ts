/**
 * Phone numbers as Okta sends them (`+15555551212`, `+1 (555) 555-1212`, `9876543210`) and as
 * Telesign wants them: digits only, starting with the country code.
 */

const formatting = /[\s().\-/]/g;
const digitsOnly = /^\+?\d{7,15}$/;

/** Telesign's `phone_number`, or undefined when the value is not a phone number (E.164: at most 15 digits). */
export function telesignPhoneNumber(oktaPhoneNumber: string): string | undefined {
  const compact = oktaPhoneNumber.replace(formatting, "");
  return digitsOnly.test(compact) ? compact.replace("+", "") : undefined;
}

// ITU-T E.164 country calling codes of one and two digits; every other code has three.
const oneDigitCodes = new Set(["1", "7"]);
const twoDigitCodes = new Set(
  (
    "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 " +
    "60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98"
  ).split(" "),
);

function countryCodeLength(digits: string): number {
  if (oneDigitCodes.has(digits.slice(0, 1))) return 1;
  if (twoDigitCodes.has(digits.slice(0, 2))) return 2;
  return 3;
}

/** The number's E.164 country calling code (`1`, `44`, `880`), from its digits. */
export function countryCallingCode(digits: string): string {
  return digits.slice(0, countryCodeLength(digits));
}

const shownTail = 4;
const leastHidden = 4;

/**
 * The phone number as logs and records may show it: country code and last four digits
 * (`+1******3210`). Shorter numbers show less, so that at least four digits stay hidden.
 */
export function maskPhoneNumber(digits: string): string {
  const head = countryCodeLength(digits);
  if (digits.length - head - shownTail >= leastHidden) {
    return `+${digits.slice(0, head)}${"*".repeat(digits.length - head - shownTail)}${digits.slice(-shownTail)}`;
  }
  const tail = Math.max(0, Math.min(2, digits.length - leastHidden));
  return `+${"*".repeat(digits.length - tail)}${digits.slice(digits.length - tail)}`;
}
