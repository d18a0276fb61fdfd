import { dayMs } from "../support/calendar.ts";
import type { LifecycleEvent, RiskScore } from "../telesign/risk-score.ts";
import type { RiskCheck } from "./guard-config.ts";

/** When and how the guard asks Telesign's Intelligence (Score) API about a number. Pure, but for the cache. */

const lifecycleEvents: Record<string, LifecycleEvent> = {
  "com.okta.user.telephony.pre-enrollment": "create",
  "com.okta.user.telephony.mfa-verification": "sign-in",
  "com.okta.user.telephony.password-reset": "update",
  "com.okta.user.telephony.account-unlock": "update",
};

/** Telesign's `account_lifecycle_event` for Okta's request type; an unknown type is a sign-in. */
export function lifecycleEventOf(requestType: string | undefined): LifecycleEvent {
  return lifecycleEvents[requestType ?? ""] ?? "sign-in";
}

/** Whether `TELESIGN_RISK_CHECK` asks about this request: `enrollment` only before an enrollment. */
export function riskCheckApplies(check: RiskCheck, requestType: string | undefined): boolean {
  if (check === "always") return true;
  return check === "enrollment" && requestType === "com.okta.user.telephony.pre-enrollment";
}

/** Telesign's answers kept per number for a day: a number's risk changes slowly, each answer is billed. */
export const riskAnswerLifeMs = dayMs;

export interface RiskCache {
  /** @param subject the number's digest, never the number */
  get(subject: string, deadline: number): Promise<RiskScore | undefined>;
  set(subject: string, score: RiskScore): Promise<void>;
}

/** Answers in this instance's memory, for at most a day, the oldest dropped beyond `max`. */
export function memoryRiskCache(max = 10_000, now: () => number = Date.now): RiskCache {
  const answers = new Map<string, { score: RiskScore; until: number }>();
  return {
    async get(subject) {
      const kept = answers.get(subject);
      if (kept === undefined || kept.until <= now()) return undefined;
      return kept.score;
    },
    async set(subject, score) {
      answers.delete(subject);
      answers.set(subject, { score, until: now() + riskAnswerLifeMs });
      for (const [oldest] of answers) {
        if (answers.size <= max) break;
        answers.delete(oldest);
      }
    },
  };
}
