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
  rate_limit: { location: phoneLocation, reason: "Too many codes: a rate limit of this hook is reached" },
  risk_score: { location: phoneLocation, reason: "Telesign's risk score advises against sending to this number" },
  unavailable: { location: "", reason: "The toll-fraud guard could not check this request in time" },
} satisfies Record<Exclude<GuardRule, "message_text">, RequestIssue>;

/** Whether the destination's country is allowed: with an allow-list, an unknown country is not. */
export function countryAllowed(rule: CountryRule | undefined, country: string | undefined): boolean {
  if (rule === undefined) return true;
  if ("allow" in rule) return country !== undefined && rule.allow.has(country);
  return country === undefined || !rule.deny.has(country);
}

/** The destination rules (country, number type), pure: what each finds, in that order. */
export function destinationFindings(
  facts: NumberFacts,
  config: Pick<GuardConfig, "countries" | "refusedNumberTypes">,
): Finding[] {
  const findings: Finding[] = [];
  if (!countryAllowed(config.countries, facts.country)) findings.push({ rule: "country", cause: causes.country });
  if (facts.type !== undefined && config.refusedNumberTypes.has(facts.type)) {
    findings.push({ rule: "number_type", cause: causes.number_type });
  }
  return findings;
}
