import { deliveryStateOf } from "../telesign/status-codes.ts";
import type { CodeRecord } from "./console-records.ts";

/**
 * What became of a code, in the words a helpdesk agent can repeat to the user: pure, from the
 * record and the time now.
 */

export type VerdictKind = "delivered" | "pending" | "failed" | "blocked" | "fallback";

export interface Verdict {
  kind: VerdictKind;
  /** One sentence. */
  text: string;
}

/** What each of the guard's kinds of rule is, said plainly. */
const ruleNames: Record<string, string> = {
  country: "a country the org does not send to",
  number_type: "a premium-rate, shared-cost or toll-free number",
  rate_limit: "rate limit",
  risk_score: "Telesign's risk score",
  message_text: "a message text that is not Okta's code message",
  unavailable: "the guard could not check it and is set to refuse then",
};

const scopeNames: Record<string, string> = {
  number: "this number",
  range: "this number's range",
  country: "this country",
  user: "this user",
  all: "the whole org",
};

/**
 * The hook's outcomes that answered Okta with an error, in plain words. What Okta does then is not
 * certain (its reference says both that it may use its own provider and that no code is sent):
 * the verdict says where to look.
 */
const fallbacks: Record<string, string> = {
  timeout: "The hook could not reach Telesign in time",
  hook_timeout: "The hook did not finish in time",
  unreachable: "The hook could not reach Telesign",
  bad_answer: "Telesign's answer could not be read",
  invalid_request: "The hook could not read Okta's request",
  message_refused: "The hook refused the message Okta asked it to send",
  internal_error: "The hook failed",
};

export function verdictOf(record: CodeRecord, now: Date): Verdict {
  if (record.outcome === "accepted") return sentVerdict(record, now);
  if (record.outcome === "blocked") {
    return { kind: "blocked", text: `Blocked by the toll-fraud guard (${ruleText(record)})` };
  }
  const reason =
    record.outcome === "rejected"
      ? `Telesign refused it${codeText(record.telesign)}`
      : (fallbacks[record.outcome] ?? `The hook answered Okta with an error (${record.outcome})`);
  const events = `system.${record.channel === "voice" ? "voice" : "sms"}.send_*`;
  return {
    kind: "fallback",
    text: `${reason}: Okta may then have sent it through its own provider (check System Log ${events})`,
  };
}

function sentVerdict(record: CodeRecord, now: Date): Verdict {
  const delivered = record.reports.find((report) => deliveryStateOf(report.code) === "delivered");
  if (delivered !== undefined) {
    const after = Date.parse(delivered.at) - Date.parse(record.requestedAt);
    return { kind: "delivered", text: `Delivered to the handset ${durationText(after)} after Okta asked` };
  }
  const failed = record.reports.findLast((report) => deliveryStateOf(report.code) === "failed");
  if (failed !== undefined) {
    return { kind: "failed", text: `Failed at the carrier: ${failed.code} ${failed.description}`.trim() };
  }
  const waited = now.getTime() - Date.parse(record.requestedAt);
  return {
    kind: "pending",
    text: `Telesign accepted it; no delivery report yet (${durationText(waited)})`,
  };
}

function ruleText({ rule, scope }: CodeRecord): string {
  const name = (rule !== undefined && ruleNames[rule]) || rule || "a rule";
  // The guard's scope names what was counted and over which window: number/1h.
  const counted = scope?.split("/")[0];
  if (rule === "rate_limit" && counted !== undefined) return `${name} for ${scopeNames[counted] ?? counted}`;
  return name;
}

function codeText(telesign: CodeRecord["telesign"]): string {
  if (telesign?.code === undefined) return "";
  return `: ${telesign.code}${telesign.description ? ` ${telesign.description}` : ""}`;
}

/** `4 s`, `14 min`, `2 h 5 min`, `3 d`: to the unit a person thinks in. */
export function durationText(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d`;
}
