import type { LogFields, Logger } from "../log.ts";
import type { TelephonyRequest } from "../okta/telephony-request.ts";
import { withinMs } from "../support/deadline.ts";
import { errorLineOf } from "../support/error-text.ts";
import type { TelesignConfig, TelesignCredential } from "../telesign/credentials.ts";
import { TelesignHttpError } from "../telesign/errors.ts";
import { type RiskScore, scorePhoneNumber } from "../telesign/risk-score.ts";
import type { GuardConfig } from "./guard-config.ts";
import { messageTextIssue } from "./message-text.ts";
import { type NumberFacts, numberFacts } from "./numbering.ts";
import { memoryRateCounters, type RateCounters, type TakeResult } from "./rate-counters.ts";
import { type CounterKey, counterKeys } from "./rate-limits.ts";
import { lifecycleEventOf, type RiskCache, riskCheckApplies } from "./risk-check.ts";
import { causes, destinationFindings, type Finding } from "./rules.ts";

/**
 * The toll-fraud guard: decides, inside Okta's deadline and on every instance at once, whether a
 * code may go out. Three steps around the hook's own:
 * 1. `screen`, pure and at once: the message text, then the destination (country, number type);
 * 2. `count`, beside the duplicate claim: the rate counters, one round trip for every scope, and
 *    the cached risk score;
 * 3. `judge`: the counters' verdict, then Telesign's risk score when asked for, within its own
 *    bound that leaves the send at least half the budget.
 * In `monitor` mode each finding is logged as "would have blocked" and the code is sent; the text
 * rule is always enforced (it keeps a leaked credential from relaying texts, it spends nothing).
 */

export interface FraudGuardDependencies {
  config: GuardConfig;
  /** Where codes are counted; none, no rate limit applies. */
  counters?: RateCounters;
  riskCache?: RiskCache;
  telesign: Pick<TelesignConfig, "apiUrl" | "authMethod" | "timeoutMs">;
  /** Turns a subject (number, range, user id) into what counters and the cache store: never the raw value. */
  digest: (subject: string) => string;
  /** The counters' bound (default 400 ms). */
  counterTimeoutMs?: number;
  fetch?: typeof fetch;
  log: Logger;
}

export interface Screened {
  request: TelephonyRequest;
  facts: NumberFacts;
  /** A finding that refuses the code now (enforced). */
  blocked?: Finding;
  /** Findings that would have refused it (monitor mode). */
  wouldBlock: Finding[];
  /** What the request's log line says of the destination. */
  fields: LogFields;
}

export interface Counted {
  screened: Screened;
  /** Undefined when there was nothing to count. */
  take?: TakeResult;
  /** The shared counters did not answer in time: `take` is this instance's own count. */
  unavailable?: true;
  /** Their take, once it lands after all (what it counted): the instance remembers its answer. */
  landed?: Promise<unknown>;
  /** Telesign's risk check, when it applies to this request: the key of its answer in the cache, and the cached answer. */
  risk?: { subject: string; cached?: Promise<RiskScore | undefined> };
  /** Uncounts the code (it is not sent after all); resolves at once when nothing was counted. */
  release(): Promise<void>;
}

export interface Judgement {
  blocked?: Finding;
  wouldBlock: Finding[];
  /** What the request's log line says of the guard. */
  fields: LogFields;
  /** Work for after the answer (the risk cache). */
  after?: Promise<unknown>;
}

/** The counters (and the cached risk score) get at most this long: beside the claim, within the same bound. */
const counterTimeoutMs = 400;
/** Telesign's Score gets at most this long, and never more than half of the budget that is left. */
const maxRiskMs = 800;
/** Less time than this is not worth a Score call: the check is skipped (and logged). */
const minRiskMs = 100;
/** After Telesign said the account has no Intelligence, the instance asks again after this long. */
const riskUnavailableMs = 10 * 60_000;

export function createFraudGuard({
  config,
  counters,
  riskCache,
  telesign,
  digest,
  fetch,
  log,
  counterTimeoutMs: counterBoundMs = counterTimeoutMs,
}: FraudGuardDependencies) {
  const enforcing = config.mode === "enforce";
  const guarding = config.mode !== "off";
  /** Until when Telesign's no-Intelligence answer stands (`performance.now()` time): one warning per instance and period. */
  let riskUnavailableUntil = Number.NEGATIVE_INFINITY;
  /**
   * This instance's memory of the shared counters: what they last answered (on time or late), and
   * the codes it counted on its own when they did not answer in time (FRAUD_FAIL=open). It is read
   * only while they are slow: whenever they answer in time, they decide.
   */
  const remembered = memoryRateCounters();
  /** The hosts a text may name besides the request's own Okta domain. */
  const { allowedHosts } = config;

  /** Monitor mode turns what would refuse into a note. */
  function finding(screened: Pick<Screened, "blocked" | "wouldBlock">, found: Finding) {
    if (enforcing) screened.blocked ??= found;
    else screened.wouldBlock.push(found);
  }

  function screen(request: TelephonyRequest): Screened {
    const hosts =
      request.oktaHost === undefined || allowedHosts.has(request.oktaHost)
        ? allowedHosts
        : new Set([...allowedHosts, request.oktaHost]);
    const textIssue = messageTextIssue(request.delivery, config.smsText, hosts);
    const facts: NumberFacts = guarding
      ? numberFacts(request.delivery.phoneNumber)
      : { key: request.delivery.phoneNumber };
    const fields = { country: facts.country, numberType: facts.type };
    const screened: Screened = { request, facts, wouldBlock: [], fields };
    if (textIssue !== undefined) {
      screened.blocked = { rule: "message_text", cause: textIssue };
      return screened;
    }
    if (!guarding) return screened;
    for (const found of destinationFindings(facts, config)) finding(screened, found);
    return screened;
  }

  async function count(screened: Screened, deadline: number): Promise<Counted> {
    const { request, facts } = screened;
    const bound = Math.max(1, Math.min(counterBoundMs, deadline - performance.now()));
    const risk = riskOf(request, facts, bound, deadline);
    // A code another rule would refuse is not counted, in monitor mode as in enforce.
    const keys =
      guarding && counters !== undefined && screened.wouldBlock.length === 0
        ? counterKeys(
            config.limits,
            { phoneNumber: facts.key, country: facts.country, oktaUserId: request.oktaUserId },
            Date.now(),
            digest,
          )
        : [];
    if (counters === undefined || keys.length === 0) {
      return { screened, risk, release: async () => {} };
    }
    let take: TakeResult;
    let counted: RateCounters = counters;
    // Whatever the shared counters answer, on time or late, the instance remembers. Their word
    // decides while they answer in time: a counter this instance saw full for a moment (places
    // given back elsewhere since) never refuses a code they would count.
    let cut = false;
    const taking = counters.take(keys, performance.now() + bound).then((result) => {
      remembered.saw(result, !cut);
      return result;
    });
    // What a take cut at its bound counted once it lands after all (nothing if it failed).
    let late: Promise<CounterKey[]> | undefined;
    try {
      take = await withinMs(bound, () => taking);
    } catch (error) {
      cut = true;
      log("warn", "toll-fraud counters unavailable", { error: errorLineOf(error) });
      counted = remembered;
      take = await remembered.take(keys, deadline);
      late = taking.then(
        ({ taken }) => taken,
        () => [],
      );
    }
    const { taken } = take;
    let released = false;
    return {
      screened,
      take,
      ...(counted === remembered && { unavailable: true as const }),
      ...(late && { landed: late }),
      risk,
      release: async () => {
        if (released) return;
        released = true;
        if (taken.length > 0) {
          await counted.giveBack(taken);
          if (counted !== remembered) await remembered.giveBack(taken);
        }
        const landed = (await late) ?? [];
        if (landed.length > 0) await counters.giveBack(landed);
      },
    };
  }

  /**
   * @param unverified the credential is one Okta's header carried and no TELESIGN_API_KEY checked:
   *   what Telesign answers it says nothing of the account, only of that credential.
   */
  async function judge(
    { screened, take, unavailable, risk, landed }: Counted,
    credential: TelesignCredential,
    deadline: number,
    unverified = false,
  ): Promise<Judgement> {
    const judged = { blocked: screened.blocked, wouldBlock: [...screened.wouldBlock] };
    const fields: LogFields = {};
    if (unavailable) {
      fields.fraudGuard = "unavailable";
      if (config.failure === "closed") finding(judged, { rule: "unavailable", cause: causes.unavailable });
    }
    if (take !== undefined && take.full.length > 0) {
      const full = take.full[0] as CounterKey;
      finding(judged, { rule: "rate_limit", scope: `${full.scope}/${full.window}`, cause: causes.rate_limit });
    }
    // The instance stays up until the shared counters' late answer has landed and is remembered.
    let after: Promise<unknown> | undefined = landed;
    const { request } = screened;
    if (judged.blocked === undefined && risk !== undefined) {
      const cached = await risk.cached;
      const score = cached ?? (await askTelesign(request, credential, deadline, unverified));
      if (score !== undefined) {
        fields.riskRecommendation = score.recommendation;
        fields.riskScore = score.score;
        if (cached === undefined && riskCache !== undefined) {
          const caching = riskCache.set(risk.subject, score);
          after = after === undefined ? caching : Promise.all([caching, after]);
        }
        if (config.riskRefuses.has(score.recommendation)) {
          finding(judged, { rule: "risk_score", cause: causes.risk_score });
        }
      }
    }
    if (judged.wouldBlock.length > 0) {
      fields.wouldBlock = judged.wouldBlock.map(({ rule }) => rule).join(",");
      fields.scope = judged.wouldBlock.find(({ scope }) => scope !== undefined)?.scope;
    }
    return { ...judged, fields, ...(after && { after }) };
  }

  /**
   * The risk check of a request it applies to, worked out once: what the cache knows the answer by
   * (the number's digest, per lifecycle event: Telesign scores each apart), and the cached answer
   * within the counters' bound.
   */
  function riskOf(request: TelephonyRequest, facts: NumberFacts, bound: number, deadline: number): Counted["risk"] {
    if (!guarding || !riskCheckApplies(config.riskCheck, request.requestType)) return undefined;
    const subject = `${lifecycleEventOf(request.requestType)}:${digest(`number:${facts.key}`)}`;
    if (riskCache === undefined) return { subject };
    return { subject, cached: withinMs(bound, () => riskCache.get(subject, deadline)).catch(() => undefined) };
  }

  /** Telesign's score, or undefined (logged) when it cannot be had in its bound. */
  async function askTelesign(
    request: TelephonyRequest,
    credential: TelesignCredential,
    deadline: number,
    unverified: boolean,
  ): Promise<RiskScore | undefined> {
    if (performance.now() < riskUnavailableUntil) return undefined;
    const left = deadline - performance.now();
    const timeoutMs = Math.floor(Math.min(maxRiskMs, left / 2));
    if (timeoutMs < minRiskMs) {
      log("warn", "risk check skipped", { reason: "not enough time left before the send" });
      return undefined;
    }
    try {
      return await scorePhoneNumber(
        {
          phoneNumber: request.delivery.phoneNumber,
          event: lifecycleEventOf(request.requestType),
          originatingIp: request.endUserIp,
        },
        { ...telesign, credential, timeoutMs, ...(fetch && { fetch }) },
      );
    } catch (error) {
      if (!unverified && error instanceof TelesignHttpError && (error.httpStatus === 401 || error.httpStatus === 403)) {
        riskUnavailableUntil = performance.now() + riskUnavailableMs;
        log("warn", "risk check unavailable", {
          reason: `Telesign answered HTTP ${error.httpStatus}: this account may not have Intelligence (Score); risk checks are skipped on this instance for ${riskUnavailableMs / 60_000} minutes`,
        });
      } else {
        log("warn", "risk check failed", { error: errorLineOf(error) });
      }
      return undefined;
    }
  }

  return { screen, count, judge, smsText: config.smsText };
}

export type FraudGuard = ReturnType<typeof createFraudGuard>;
