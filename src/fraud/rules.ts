import type { RequestIssue } from "../okta/telephony-request.ts";
import type { CountryRule, GuardConfig } from "./guard-config.ts";
import type { NumberFacts } from "./numbering.ts";

/**
 * The kinds of rule the guard applies, and what Okta is told when one refuses a code: the kind
 * of rule, never the threshold, the number or the counts.
 */

export type GuardRule = "country" | "number_type" | "rate_limit" | "risk_score" | "message_text" | "unavailable";

/** What a rule found: a code it refuses (enforce) or would have refused (monitor). */
export interface Finding {
  rule: GuardRule;
  /** For a rate limit: the scope and window that is full (`range/1h`). */
  scope?: string;
  /** Okta's cause: where and why, in words safe for an end user's screen. */
  cause: RequestIssue;
}

const phoneLocation = "data.messageProfile.phoneNumber";

/** Okta's cause for each kind of rule; a message-text finding says which part of the text. */
export const causes = {
  country: { location: phoneLocation, reason: "Codes are not sent to this destination country" },
  number_type: { location: phoneLocation, reason: "Codes are not sent to this type of number" },
  invalid_number: {
    location: phoneLocation,
    reason: "Codes are not sent to a number that is not valid in its country's numbering plan",
  },
  rate_limit: { location: phoneLocation, reason: "Too many codes: a rate limit of this hook is reached" },
  risk_score: { location: phoneLocation, reason: "Telesign's risk score advises against sending to this number" },
  unavailable: { location: "", reason: "The toll-fraud guard could not check this request in time" },
} satisfies Record<Exclude<GuardRule, "message_text"> | "invalid_number", RequestIssue>;

/**
 * Whether the destination's country is allowed. A number of no known country is refused by an
 * allow-list and by a deny-list alike: an admin who names countries to refuse does not mean to let
 * through the numbers no plan can place (and without FRAUD_NUMBER_TYPES' `invalid` those reach
 * Telesign, which may route them anywhere).
 */
export function countryAllowed(rule: CountryRule | undefined, country: string | undefined): boolean {
  if (rule === undefined) return true;
  if (country === undefined) return false;
  return "allow" in rule ? rule.allow.has(country) : !rule.deny.has(country);
}

/** The destination rules (country, number type), pure: what each finds, in that order. */
export function destinationFindings(
  facts: NumberFacts,
  config: Pick<GuardConfig, "countries" | "refusedNumberTypes">,
): Finding[] {
  const findings: Finding[] = [];
  if (!countryAllowed(config.countries, facts.country)) findings.push({ rule: "country", cause: causes.country });
  if (facts.type !== undefined && config.refusedNumberTypes.has(facts.type)) {
    findings.push({
      rule: "number_type",
      cause: facts.type === "invalid" ? causes.invalid_number : causes.number_type,
    });
  }
  return findings;
}
