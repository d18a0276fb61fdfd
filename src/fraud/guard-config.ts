import { isSupportedCountry } from "libphonenumber-js/max";
import type { ConfigFinding, EnvironmentVariables, Parsed } from "../config.ts";
import { maxMessageTextLength, otpCodePlaceholder, textIssue } from "./message-text.ts";
import { internationalCountry, type NumberTypeName, numberTypes } from "./numbering.ts";
import { defaultRateLimits, limitWarnings, parseRateLimits, type RateLimit } from "./rate-limits.ts";

/**
 * The toll-fraud guard's variables, parsed from the environment the way src/config.ts parses the
 * rest: every variable is optional and its default serves (the Deploy button asks for none of
 * them); a value that cannot be read is a problem naming the variable, never its value.
 */

export type GuardMode = "enforce" | "monitor" | "off";
export type RiskCheck = "off" | "enrollment" | "always";
export type RiskRecommendation = "allow" | "flag" | "block";

export type CountryRule = { allow: ReadonlySet<string> } | { deny: ReadonlySet<string> };

export type SmsText = { mode: "okta" } | { mode: "template"; template: string };

export interface GuardConfig {
  /** `monitor`: every rule is evaluated and logged, and the code is sent; `off`: no rule but the text's. */
  mode: GuardMode;
  /** When the rate counters cannot answer in time: `open` sends, `closed` refuses. */
  failure: "open" | "closed";
  /** Undefined: every country. */
  countries?: CountryRule;
  refusedNumberTypes: ReadonlySet<NumberTypeName>;
  limits: RateLimit[];
  riskCheck: RiskCheck;
  /** The recommendations of Telesign's score that refuse a code. */
  riskRefuses: ReadonlySet<RiskRecommendation>;
  smsText: SmsText;
  /** Hosts (lower case) an SMS text may name, besides the org's Okta domain: `SMS_ALLOWED_HOSTS`. */
  allowedHosts: ReadonlySet<string>;
}

/**
 * Refused unless FRAUD_NUMBER_TYPES says otherwise: how revenue-share fraud gets paid, and numbers
 * no numbering plan knows (Okta rejects them at enrollment, so a code for one is not Okta's).
 */
const defaultRefusedTypes: readonly NumberTypeName[] = ["premium-rate", "shared-cost", "toll-free", "invalid"];

/** Every variable the guard reads, each with how to set it right (for npm run check). */
export const guardVariables = {
  FRAUD_MODE: "enforce, monitor or off, or unset for enforce",
  FRAUD_FAIL: "open or closed, or unset for open",
  FRAUD_COUNTRIES: `ISO 3166-1 alpha-2 codes (and ${internationalCountry} for international numbers such as +882), all allowed (US,CA) or all denied (!CU,!LV), or unset for every country`,
  FRAUD_NUMBER_TYPES: `number types to refuse, comma-separated, among ${numberTypes.join(", ")}; none for no type; or unset for ${defaultRefusedTypes.join(",")}`,
  FRAUD_LIMITS: `scope:count/window entries (scopes number, range, country, user, all; windows Nm, Nh, Nd), none for no limit, or unset for ${defaultRateLimits}`,
  TELESIGN_RISK_CHECK: "off, enrollment or always, or unset for off",
  TELESIGN_RISK_BLOCK: "block, or flag to refuse flagged numbers too; unset for block",
  SMS_TEXT: "okta (Okta's text) or template (SMS_TEMPLATE), or unset for okta",
  SMS_TEMPLATE: `the SMS text with ${otpCodePlaceholder} where the code goes, at most ${maxMessageTextLength} characters, no link and no other number`,
  SMS_ALLOWED_HOSTS:
    "host names an SMS text may name (acme.com,login.acme.com), comma-separated, besides the org's Okta domain; or unset for none",
} as const;

export type GuardVariable = keyof typeof guardVariables;

export const guardVariableNames = Object.keys(guardVariables) as GuardVariable[];

/** The guard's configuration from the environment: every problem at once. */
export function parseGuardConfig(env: EnvironmentVariables): Parsed<GuardConfig, GuardVariable> {
  const problems: ConfigFinding<GuardVariable>[] = [];
  /** A problem with these variables: the message names them, never a value. */
  const problem = (message: string, ...variables: GuardVariable[]) => problems.push({ variables, message });
  /** The trimmed value; undefined when unset or empty. */
  const read = (name: GuardVariable) => {
    const value = env[name]?.trim();
    return value === "" ? undefined : value;
  };
  const choice = <T extends string>(name: GuardVariable, choices: readonly T[], fallback: T): T => {
    const value = read(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if ((choices as readonly string[]).includes(value)) return value as T;
    problem(`${name} must be ${choices.slice(0, -1).join(", ")} or ${choices.at(-1)}`, name);
    return fallback;
  };

  const mode = choice("FRAUD_MODE", ["enforce", "monitor", "off"], "enforce");
  const failure = choice("FRAUD_FAIL", ["open", "closed"], "open");
  const riskCheck = choice("TELESIGN_RISK_CHECK", ["off", "enrollment", "always"], "off");
  const riskBlock = choice("TELESIGN_RISK_BLOCK", ["block", "flag"], "block");

  const countries = countryRule(read("FRAUD_COUNTRIES"), (message) => problem(message, "FRAUD_COUNTRIES"));

  const warnings: ConfigFinding<GuardVariable>[] = [];
  let refusedNumberTypes = new Set<NumberTypeName>(defaultRefusedTypes);
  const typesValue = env.FRAUD_NUMBER_TYPES;
  if (typesValue !== undefined) {
    const names = list(typesValue).map((name) => name.toLowerCase().replaceAll("_", "-"));
    if (names.length === 1 && names[0] === "none") refusedNumberTypes = new Set();
    else if (names.every((name): name is NumberTypeName => (numberTypes as readonly string[]).includes(name))) {
      // An empty value refuses no type, as `none` does.
      refusedNumberTypes = new Set(names);
    } else
      problem(
        `FRAUD_NUMBER_TYPES must list number types among ${numberTypes.join(", ")}, or none`,
        "FRAUD_NUMBER_TYPES",
      );
  }

  // An empty FRAUD_LIMITS means no limit, as `none` does; unset means the defaults.
  const limitsRead = parseRateLimits(env.FRAUD_LIMITS ?? defaultRateLimits);
  if (!limitsRead.ok) problem(`FRAUD_LIMITS ${limitsRead.reason}`, "FRAUD_LIMITS");
  const limits = limitsRead.ok ? limitsRead.limits : [];
  for (const message of limitWarnings(limits)) warnings.push({ variables: ["FRAUD_LIMITS"], message });
  const allowedHosts = new Set<string>();
  for (const host of list(env.SMS_ALLOWED_HOSTS ?? "").map((entry) => entry.toLowerCase())) {
    if (hostName.test(host)) allowedHosts.add(host);
    else {
      problem(
        "SMS_ALLOWED_HOSTS must list host names (acme.com,login.acme.com), without scheme or path",
        "SMS_ALLOWED_HOSTS",
      );
      break;
    }
  }

  let smsText: SmsText = { mode: "okta" };
  const textMode = choice("SMS_TEXT", ["okta", "template"], "okta");
  const template = read("SMS_TEMPLATE");
  if (template !== undefined) {
    const reason = templateIssue(template, allowedHosts);
    if (!template.includes(otpCodePlaceholder)) {
      problem(`SMS_TEMPLATE must contain ${otpCodePlaceholder} where the code goes`, "SMS_TEMPLATE");
    } else if ([...template].length > maxMessageTextLength) {
      problem(`SMS_TEMPLATE must be at most ${maxMessageTextLength} characters`, "SMS_TEMPLATE");
    } else if (reason !== undefined) {
      problem(
        `SMS_TEMPLATE must contain ${otpCodePlaceholder} once and nothing Okta's text may not (${reason})`,
        "SMS_TEMPLATE",
      );
    } else if (textMode !== "template") {
      problem(
        "SMS_TEMPLATE must not be set unless SMS_TEXT is template (the hook would not send it)",
        "SMS_TEMPLATE",
        "SMS_TEXT",
      );
    }
  }
  if (textMode === "template") {
    if (template === undefined) problem("SMS_TEMPLATE is required when SMS_TEXT is template", "SMS_TEMPLATE");
    else smsText = { mode: "template", template };
  }

  if (problems.length > 0) return { ok: false, problems, warnings };
  return {
    ok: true,
    warnings,
    config: {
      mode,
      failure,
      ...(countries !== undefined && { countries }),
      refusedNumberTypes,
      limits,
      riskCheck,
      riskRefuses: new Set<RiskRecommendation>(riskBlock === "flag" ? ["block", "flag"] : ["block"]),
      smsText,
      allowedHosts,
    },
  };
}

const hostName = /^[a-z\d](?:[a-z\d-]*[a-z\d])?(?:\.[a-z\d](?:[a-z\d-]*[a-z\d])?)+$/;

/** What the message-text rule says of SMS_TEMPLATE with a code in it: the text Telesign will send. */
function templateIssue(template: string, allowedHosts: ReadonlySet<string>): string | undefined {
  const sampleCode = "482915";
  return textIssue(template.replaceAll(otpCodePlaceholder, sampleCode), sampleCode, allowedHosts)?.reason;
}

function list(value: string): string[] {
  return value
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

/**
 * An allow-list (`US,CA`) or a deny-list (`!CU,!LV`); a mix is a problem. `INTL` names the
 * international numbers no country owns (+800, +808, +870, +881, +882, +883, +888, +979).
 */
function countryRule(value: string | undefined, problem: (message: string) => void): CountryRule | undefined {
  if (value === undefined) return undefined;
  const entries = list(value).map((entry) => entry.toUpperCase());
  const denied = entries.filter((entry) => entry.startsWith("!"));
  if (denied.length > 0 && denied.length < entries.length) {
    problem("FRAUD_COUNTRIES must be all allowed (US,CA) or all denied (!CU,!LV), not a mix");
    return undefined;
  }
  const codes = entries.map((entry) => entry.replace(/^!\s*/, ""));
  const unknown = codes.filter(
    (code) => code !== internationalCountry && (!/^[A-Z]{2}$/.test(code) || !isSupportedCountry(code)),
  );
  if (codes.length === 0 || unknown.length > 0) {
    // Two letters of a country code are not a secret: naming them saves a search (UK is GB).
    const named = unknown.filter((code) => /^[A-Z]{2}$/.test(code));
    problem(
      `FRAUD_COUNTRIES must list ISO 3166-1 alpha-2 country codes${named.length > 0 ? ` (not ${named.join(", ")}${named.includes("UK") ? ": the United Kingdom is GB" : ""})` : ""}`,
    );
    return undefined;
  }
  return denied.length > 0 ? { deny: new Set(codes) } : { allow: new Set(codes) };
}
