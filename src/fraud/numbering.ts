import { type NumberType, parsePhoneNumberFromString } from "libphonenumber-js/max";

/**
 * What the numbering plan says of a phone number: its country (by the plan, not the calling code:
 * +1 876 is Jamaica, +44 7624 the Isle of Man) and its type (mobile, premium rate, toll free…).
 * libphonenumber-js with its full ("max") metadata: only the full metadata tells number types apart.
 */

/** The number types of libphonenumber's metadata, as configuration names them. */
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
] as const;

export type NumberTypeName = (typeof numberTypes)[number];

export interface NumberFacts {
  /** ISO 3166-1 alpha-2, or undefined when the plan does not say (an unassigned +1 area code). */
  country?: string;
  /** Undefined when the number matches no type of its country's plan (not a valid number). */
  type?: NumberTypeName;
}

/** Numbers read lately (most requests are an org's own users, again): parsing one costs tens of µs. */
const known = new Map<string, NumberFacts>();
const maxKnown = 10_000;

/** @param digits the number as Telesign takes it: digits only, country code first. */
export function numberFacts(digits: string): NumberFacts {
  const seen = known.get(digits);
  if (seen !== undefined) return seen;
  const facts: NumberFacts = {};
  const parsed = parsePhoneNumberFromString(`+${digits}`);
  if (parsed?.country !== undefined) facts.country = parsed.country;
  const type = typeName(parsed?.getType());
  if (type !== undefined) facts.type = type;
  if (known.size >= maxKnown) known.delete(known.keys().next().value as string);
  known.set(digits, facts);
  return facts;
}

function typeName(type: NumberType): NumberTypeName | undefined {
  return type === undefined ? undefined : (type.toLowerCase().replaceAll("_", "-") as NumberTypeName);
}
