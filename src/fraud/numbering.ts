import { type NumberType, parsePhoneNumberFromString } from "libphonenumber-js/max";

/**
 * What the numbering plan says of a phone number: its country (by the plan, not the calling code:
 * +1 876 is Jamaica, +44 7624 the Isle of Man), its type (mobile, premium rate, toll free…) and
 * its normal form (`+44 07624…` is `+44 7624…`). libphonenumber-js with its full ("max")
 * metadata: only the full metadata tells number types apart.
 */

/** The number types of libphonenumber's metadata, as configuration names them, and `invalid`: no type of its plan. */
export const numberTypes = [
  "premium-rate",
  "shared-cost",
  "toll-free",
  "voip",
  "personal-number",
  "pager",
  "uan",
  "voicemail",
  "fixed-line",
  "mobile",
  "fixed-line-or-mobile",
  "invalid",
] as const;

export type NumberTypeName = (typeof numberTypes)[number];

/**
 * The "country" of the international numbers no country owns (+800, +808, +870 Inmarsat, +881
 * satellite, +882 and +883 international networks, +888, +979): revenue-share fraud's favourites.
 */
export const internationalCountry = "INTL";

export interface NumberFacts {
  /**
   * ISO 3166-1 alpha-2, `INTL` for an international number, or undefined when the plan does not
   * say (an unassigned +1 area code, a number of no plan).
   */
  country?: string;
  /** `invalid` when the number matches no type of its plan; undefined for an example number. */
  type?: NumberTypeName;
  /** What counters and cached scores know the number by: its E.164 digits when valid, else the digits as sent. */
  key: string;
}

/**
 * Numbers of examples, never delivered and so never pumped, that are not refused as `invalid`:
 * the North American area code 555, which does not exist (the local simulator's scenarios and the
 * Preview client use `+1 555 555 0100`), and `9876543210`, the number Okta's Preview fills in
 * (read as +98 76543210, too short for Iran's plan: Telesign refuses it as it always has), so that
 * an admin's first Preview gets Telesign's answer, as before the guard had this rule.
 */
const exampleNumber = /^(?:1555\d{7}|9876543210)$/;

/** Numbers read lately (most requests are an org's own users, again): parsing one costs tens of µs. */
const known = new Map<string, NumberFacts>();
const maxKnown = 10_000;

/** @param digits the number as Telesign takes it: digits only, country code first. */
export function numberFacts(digits: string): NumberFacts {
  const seen = known.get(digits);
  if (seen !== undefined) return seen;
  const parsed = parsePhoneNumberFromString(`+${digits}`);
  const valid = parsed?.isValid() === true;
  const facts: NumberFacts = { key: valid && parsed !== undefined ? parsed.number.slice(1) : digits };
  if (parsed?.country !== undefined) facts.country = parsed.country;
  else if (parsed?.isNonGeographic() === true) facts.country = internationalCountry;
  const type = valid ? typeName(parsed?.getType()) : exampleNumber.test(digits) ? undefined : "invalid";
  if (type !== undefined) facts.type = type;
  if (known.size >= maxKnown) known.delete(known.keys().next().value as string);
  known.set(digits, facts);
  return facts;
}

function typeName(type: NumberType): NumberTypeName | undefined {
  return type === undefined ? undefined : (type.toLowerCase().replaceAll("_", "-") as NumberTypeName);
}
