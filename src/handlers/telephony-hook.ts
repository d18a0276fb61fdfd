import { randomBytes } from "node:crypto";
import { type HookConfig, maxTelesignTimeoutMs, messagesOf, type Parsed } from "../config.ts";
import { createFraudGuard, type FraudGuard } from "../fraud/guard.ts";
import { type GuardConfig, type GuardVariable, parseGuardConfig } from "../fraud/guard-config.ts";
import type { RateCounters } from "../fraud/rate-counters.ts";
import { memoryRiskCache, type RiskCache } from "../fraud/risk-check.ts";
import type { Finding } from "../fraud/rules.ts";
import { jsonValueOf } from "../http/json.ts";
import { readBodyWithin } from "../http/request-body.ts";
import { jsonLogger, type LogFields, type Logger, type LogLevel } from "../log.ts";
import { type DeliveryOutcome, oktaResponseOf, oktaResponseToFailure } from "../mapping/okta-response.ts";
import { omnichannelMessage } from "../mapping/omnichannel-message.ts";
import { maskPhoneNumber } from "../mapping/phone-number.ts";
import { createOktaAuthenticator, type OktaAuthenticator } from "../okta/authenticate.ts";
import {
  codeExpiry,
  isKnownRequestType,
  parseTelephonyRequest,
  type RequestIssue,
  type TelephonyRequest,
} from "../okta/telephony-request.ts";
import { errorSummaries, oktaResponse, type TelephonyResponse, telephonyError } from "../okta/telephony-response.ts";
import type { Claim, DuplicateEvents } from "../storage/duplicate-events.ts";
import { countersWithoutSubjectKey, subjectDigest } from "../storage/fraud-store.ts";
import { subjectHashKey } from "../storage/phone-hash.ts";
import type { OktaRequestRecord, TransactionStore } from "../storage/transaction-store.ts";
import { settledWithin } from "../support/deadline.ts";
import { errorLineOf, errorNameOf } from "../support/error-text.ts";
import { TelesignHttpError } from "../telesign/errors.ts";
import { type SendResult, sendWithinDeadline } from "../telesign/send-within-deadline.ts";
import { deliveryFactsOf, fraudFactsOf, type RecordFacts, recordFactsOf } from "./telephony-hook-record.ts";

/**
 * Okta's telephony inline hook (`/.netlify/functions/telesign`): authenticate Okta, validate its
 * request, deliver the code through Telesign and answer in Okta's format, always with HTTP 200
 * and a valid body once Okta is authenticated, and within the deadline counted from the
 * request's arrival.
 */

export interface TelephonyHookDependencies {
  config: Parsed<HookConfig>;
  /** Keeps a repeated eventId from reaching Telesign twice; none, no guard. */
  duplicates?: DuplicateEvents;
  /** Where each answered request is recorded, after the answer; none, no records. */
  transactions?: () => TransactionStore;
  /** The toll-fraud guard: its configuration (default: the defaults), its counters (none: no rate limit) and risk cache. */
  fraud?: {
    config: Parsed<GuardConfig, GuardVariable>;
    counters?: RateCounters;
    riskCache?: RiskCache;
    /** The counters' bound (default 400 ms). */
    counterTimeoutMs?: number;
  };
  fetch?: typeof fetch;
  log?: Logger;
}

export interface RequestContext {
  /** Keeps work going after the response (Netlify's `context.waitUntil`). */
  waitUntil?: (work: Promise<unknown>) => void;
}

/** Okta's requests are about 1 KB; Telesign refuses messages over 10 KB. */
export const maxRequestBytes = 32 * 1024;

/**
 * Whatever happens, Okta has its answer this long after the request arrived: the Telesign budget
 * (at most 2,500 ms) plus a margin for the answer itself, well inside Okta's 3 s.
 */
const answerMarginMs = 100;

interface Refusal {
  errorSummary: string;
  reason: string;
  location: string;
  /** Okta reads its `error` object from a 200; the other statuses answer callers that are not Okta. */
  status: number;
  level?: LogLevel;
}

/** Requests the hook answers without reading or delivering them, one row each. */
const refusals = {
  method_not_allowed: {
    errorSummary: errorSummaries.methodNotAllowed,
    reason: "Okta calls this hook with POST",
    location: "method",
    status: 405,
  },
  misconfigured: {
    errorSummary: errorSummaries.notConfigured,
    reason: "The hook's configuration is incomplete",
    location: "",
    status: 200,
    level: "error",
  },
  unauthenticated: {
    errorSummary: errorSummaries.unauthorized,
    reason: "The request did not carry this hook's credential",
    location: "(auth header)",
    status: 401,
  },
  too_large: {
    errorSummary: errorSummaries.requestTooLarge,
    reason: `The body is over ${maxRequestBytes} bytes`,
    location: "(body)",
    status: 413,
  },
  too_slow: {
    errorSummary: errorSummaries.requestTooSlow,
    reason: "The body did not arrive within the hook's deadline",
    location: "(body)",
    status: 408,
  },
  hook_timeout: {
    errorSummary: errorSummaries.hookTimeout,
    reason: "The hook did not finish in time",
    location: "",
    status: 200,
    level: "error",
  },
  internal_error: {
    errorSummary: errorSummaries.internalError,
    reason: "The hook failed",
    location: "",
    status: 200,
    level: "error",
  },
} satisfies Record<string, Refusal>;

type RequestOutcome = DeliveryOutcome | keyof typeof refusals | "invalid_request" | "blocked" | "duplicate";

interface Reply {
  outcome: RequestOutcome;
  response: Response;
  /** What the log line says of this request, besides its outcome and duration. */
  fields: LogFields;
  level?: LogLevel;
}

/**
 * Filled in as the request goes: `record` once Okta is authenticated (only then is it recorded),
 * and undone when Telesign refuses a credential the hook could not check (it was not Okta's).
 */
interface Progress {
  record?: RecordFacts;
}

export function createTelephonyHook({
  config,
  duplicates,
  transactions,
  fraud,
  fetch,
  log = jsonLogger,
}: TelephonyHookDependencies) {
  // Built once per instance: in oauth mode it holds the JWKS cache across warm invocations.
  const authenticateOkta: OktaAuthenticator | undefined = config.ok
    ? createOktaAuthenticator(config.config.okta, config.config.telesign.timeoutMs)
    : undefined;
  const guardConfig = fraud?.config ?? parseGuardConfig({});
  const guard: FraudGuard | undefined =
    config.ok && guardConfig.ok ? fraudGuardOf(config.config, guardConfig.config) : undefined;
  const budgetMs = config.ok ? config.config.telesign.timeoutMs : maxTelesignTimeoutMs;

  /**
   * Counters and cached scores are keyed by HMACs under a key every instance shares (never a plain
   * hash); without one, those of numbers, ranges and users, and the risk scores, stay in this
   * instance's memory, under a key of its own.
   */
  function fraudGuardOf(hookConfig: HookConfig, guarding: GuardConfig): FraudGuard {
    const subjectKey = subjectHashKey(hookConfig.phoneHashKey, hookConfig.telesign.credential?.apiKey);
    const shared = subjectKey !== undefined;
    if (!shared && guarding.mode !== "off" && (fraud?.counters !== undefined || fraud?.riskCache !== undefined)) {
      log("warn", "toll-fraud counters on this instance only", {
        reason:
          "PHONE_HASH_KEY is unset and there is no TELESIGN_API_KEY to derive a key from: number, range and user limits count per instance; set PHONE_HASH_KEY",
      });
    }
    return createFraudGuard({
      config: guarding,
      counters: shared ? fraud?.counters : fraud?.counters && countersWithoutSubjectKey(fraud.counters),
      riskCache: shared ? fraud?.riskCache : fraud?.riskCache && memoryRiskCache(),
      telesign: hookConfig.telesign,
      digest: subjectDigest(subjectKey ?? randomBytes(32)),
      fetch,
      log,
      ...(fraud?.counterTimeoutMs !== undefined && { counterTimeoutMs: fraud.counterTimeoutMs }),
    });
  }

  return async function telephonyHook(request: Request, context: RequestContext = {}): Promise<Response> {
    const arrival = performance.now();
    const receivedAt = new Date();
    const progress: Progress = {};
    let reply: Reply;
    try {
      // A safety net: every step has its own deadline, so this answers only a hook that hung.
      reply = await settledWithin(budgetMs + answerMarginMs, replyToOkta(request, arrival, context, progress), () =>
        refused("hook_timeout"),
      );
    } catch (error) {
      // Our own code failed: Okta still gets a valid body, the logs get the error's kind only.
      reply = refused("internal_error", { error: errorNameOf(error) });
    }
    // The reply's fields are this request's own: the log line completes them.
    const { fields } = reply;
    fields.outcome = reply.outcome;
    fields.durationMs = Math.round(performance.now() - arrival);
    log(reply.level ?? levelOf(reply.outcome), "okta telephony request", fields);
    if (progress.record !== undefined && transactions !== undefined) {
      const record: OktaRequestRecord = {
        ...progress.record,
        receivedAt: receivedAt.toISOString(),
        outcome: reply.outcome,
        durationMs: fields.durationMs,
      };
      // Written after Okta has its answer: a slow or failing database never delays a code.
      afterResponse(
        Promise.resolve().then(() => transactions().recordRequest(record)),
        context,
        "request record not written",
        { referenceId: record.referenceId, eventId: record.eventId },
      );
    }
    return reply.response;
  };

  /** The request flow, step by step (docs/request-handling.md: "How a request is handled"). */
  async function replyToOkta(
    request: Request,
    arrival: number,
    context: RequestContext,
    progress: Progress,
  ): Promise<Reply> {
    if (request.method !== "POST") return refused("method_not_allowed", { method: request.method });
    if (!config.ok || authenticateOkta === undefined || guard === undefined) {
      const problems = [
        ...messagesOf(config.ok ? [] : config.problems),
        ...messagesOf(guardConfig.ok ? [] : guardConfig.problems),
      ];
      return refused("misconfigured", { problems });
    }
    const { telesign, okta } = config.config;
    const deadline = arrival + telesign.timeoutMs;

    const authentication = await authenticateOkta(request.headers, remainingMs(deadline));
    if (!authentication.ok) {
      const { reason, challenge } = authentication;
      const headers = challenge === undefined ? undefined : { "www-authenticate": challenge };
      return refused("unauthenticated", { reason }, okta.headerName, headers);
    }
    progress.record = {};

    const read = await readBodyWithin(request, maxRequestBytes, remainingMs(deadline));
    if (!read.ok) return refused(read.refusal);
    const parsed = parseTelephonyRequest(jsonValueOf(read.body.toString("utf8")));
    if (!parsed.ok) return notDelivered("invalid_request", errorSummaries.invalidRequest, parsed.issues, {});
    const oktaRequest = parsed.request;
    const logFields = logFieldsOf(oktaRequest);
    progress.record = recordFactsOf(oktaRequest, config.config.phoneHashKey);
    const screened = guard.screen(oktaRequest);
    Object.assign(logFields, screened.fields);
    progress.record.fraud = fraudFactsOf(screened.facts.country, screened.blocked);
    if (screened.blocked) return blocked(screened.blocked, logFields);

    // The rate counters beside the duplicate claim: one round trip on the critical path for both.
    const claimStarted = performance.now();
    const [claim, counted] = await Promise.all([claimEvent(oktaRequest, deadline), guard.count(screened, deadline)]);
    if (claim !== undefined) {
      progress.record.claimMs = performance.now() - claimStarted;
      if (claim.kind === "first") progress.record.duplicateGuard = claim.guard;
    }
    if (claim?.kind === "repeat") {
      afterResponse(counted.release(), context, "toll-fraud counters not released");
      return repeated(claim.reply, logFields);
    }

    const credential = authentication.telesignCredential ?? telesign.credential;
    if (credential === undefined) throw new Error("no Telesign credential"); // parseConfig rules this out
    const unverified = authentication.unverified === true;
    const verdict = await guard.judge(counted, credential, deadline, unverified);
    Object.assign(logFields, verdict.fields);
    progress.record.fraud = fraudFactsOf(
      screened.facts.country,
      verdict.blocked,
      verdict.wouldBlock,
      counted.unavailable,
    );
    if (verdict.after !== undefined) afterResponse(verdict.after, context, "risk score not cached");
    if (verdict.blocked !== undefined) {
      afterResponse(counted.release(), context, "toll-fraud counters not released");
      const reply = blocked(verdict.blocked, logFields);
      if (claim !== undefined) afterResponse(claim.settle(reply.body, false), context, "duplicate claim not settled");
      return reply;
    }
    // Monitor mode counts what enforcing would have let through: a code it would have refused is given back.
    if (verdict.wouldBlock.length > 0) afterResponse(counted.release(), context, "toll-fraud counters not released");
    // A claim statement cut off by its bound may have landed since: if another request holds the
    // claim, this is a repeat after all, and sending would be the second message.
    if (claim?.kind === "first" && claim.heldElsewhere()) {
      progress.record.duplicateGuard = undefined;
      afterResponse(counted.release(), context, "toll-fraud counters not released");
      return repeated(undefined, logFields);
    }
    const message = omnichannelMessage(oktaRequest, { ...telesign, smsText: guard.smsText });
    const sendStarted = performance.now();
    const delivery = await sendWithinDeadline(message, { ...telesign, credential, ...(fetch && { fetch }) }, deadline);
    Object.assign(progress.record, deliveryFactsOf(delivery, performance.now() - sendStarted));
    // A credential no TELESIGN_API_KEY checked counts only once Telesign accepts it: codes under a
    // made-up credential must not fill a victim's counters, nor anyone's database: its counters
    // are given back, its claim released and its request not recorded (the log line remains).
    const strangerCredential = unverified && credentialRejected(delivery);
    if (strangerCredential) {
      afterResponse(counted.release(), context, "toll-fraud counters not released");
      progress.record = undefined;
    }

    const responseContext = {
      channel: oktaRequest.delivery.channel,
      locale: oktaRequest.locale,
      durationMs: performance.now() - arrival,
    };
    const mapped = delivery.ok
      ? oktaResponseOf(delivery.answer, responseContext)
      : oktaResponseToFailure(delivery.error, responseContext);
    // Only a refusal proves nothing was sent: after anything else, a repeat must not send again.
    if (claim !== undefined) {
      const delivered = mapped.outcome !== "rejected" && !strangerCredential;
      afterResponse(claim.settle(mapped.body, delivered), context, "duplicate claim not settled");
    }
    return {
      outcome: mapped.outcome,
      response: oktaResponse(mapped.body),
      fields: withDelivery(logFields, delivery, claim?.guard === "memory" ? "memory" : undefined),
    };
  }

  function claimEvent(oktaRequest: TelephonyRequest, deadline: number): Promise<Claim> | undefined {
    const { eventId } = oktaRequest;
    if (duplicates === undefined || eventId === undefined) return undefined;
    return duplicates.claim({ eventId, expiresAt: codeExpiry(oktaRequest), deadline });
  }

  /** Work that goes on after the answer; its failure is logged, never thrown. */
  function afterResponse(
    work: Promise<unknown>,
    { waitUntil }: RequestContext,
    failure: string,
    fields: LogFields = {},
  ) {
    const logged = work.catch((error: unknown) =>
      log("error", failure, {
        ...fields,
        error: errorLineOf(error),
      }),
    );
    waitUntil?.(logged);
  }
}

/** Whether Telesign refused the credential itself (HTTP 401 or 403): then nothing was sent. */
function credentialRejected(delivery: SendResult): boolean {
  const httpStatus = delivery.ok
    ? delivery.answer.httpStatus
    : delivery.error instanceof TelesignHttpError
      ? delivery.error.httpStatus
      : undefined;
  return httpStatus === 401 || httpStatus === 403;
}

/** Okta's `error` answer for a request refused before it was read. */
function refused(
  outcome: keyof typeof refusals,
  fields: LogFields = {},
  location?: string,
  headers?: Record<string, string>,
): Reply {
  const refusal: Refusal = refusals[outcome];
  const cause = { reason: refusal.reason, location: location ?? refusal.location };
  return {
    outcome,
    response: oktaResponse(telephonyError(refusal.errorSummary, [cause]), refusal.status, {
      ...(outcome === "method_not_allowed" && { allow: "POST" }),
      ...headers,
    }),
    fields,
    level: refusal.level,
  };
}

/** Okta's `error` answer for a request that was read and is not delivered: one cause per issue. */
function notDelivered(
  outcome: RequestOutcome,
  errorSummary: string,
  issues: RequestIssue[],
  logFields: LogFields,
): Reply {
  return {
    outcome,
    response: oktaResponse(telephonyError(errorSummary, issues)),
    fields: { ...logFields, issues: issues.map(({ location, reason }) => `${location} ${reason}`) },
  };
}

/** Okta's `error` answer for a code the toll-fraud guard refuses: the kind of rule, never its figures. */
function blocked(finding: Finding, logFields: LogFields): Reply & { body: TelephonyResponse } {
  const body = telephonyError(errorSummaries.messageBlocked, [finding.cause]);
  return {
    outcome: "blocked",
    response: oktaResponse(body),
    body,
    fields: Object.assign(logFields, { rule: finding.rule, scope: finding.scope }),
  };
}

/** A repeat of an event gets the first request's reply, or says the first is still going. */
function repeated(firstReply: TelephonyResponse | undefined, logFields: LogFields): Reply {
  const body =
    firstReply ??
    telephonyError(errorSummaries.duplicateInProgress, [
      { reason: "The first request of this event has no answer yet", location: "eventId" },
    ]);
  return { outcome: "duplicate", response: oktaResponse(body), fields: logFields };
}

/** What the log says of a valid request: ids, the channel and a masked phone, never the code. */
function logFieldsOf(oktaRequest: TelephonyRequest): LogFields {
  return {
    eventId: oktaRequest.eventId,
    oktaRequestId: oktaRequest.oktaRequestId,
    requestType: oktaRequest.requestType,
    channel: oktaRequest.delivery.channel,
    phone: maskPhoneNumber(oktaRequest.delivery.phoneNumber),
    unknownRequestType: isKnownRequestType(oktaRequest.requestType) ? undefined : true,
  };
}

/**
 * A delivered request's log fields, completed with Telesign's answer or why there was
 * none (a field left undefined is not logged). `logFields` is completed in place: copying it into a
 * new object measurably slowed the warm path (npm run bench -- --only=warm).
 */
function withDelivery(logFields: LogFields, delivery: SendResult, duplicateGuard: "memory" | undefined): LogFields {
  const answer = delivery.ok ? delivery.answer : undefined;
  return Object.assign(logFields, {
    duplicateGuard,
    telesignAttempts: delivery.attempts > 1 ? delivery.attempts : undefined,
    referenceId: answer?.reference_id,
    telesignCode: answer?.status.code,
    telesignHttpStatus: answer?.httpStatus,
    error: delivery.ok ? undefined : delivery.error.message,
  });
}

/** What is left of the budget until `deadline` (a `performance.now()` time). */
function remainingMs(deadline: number): number {
  return Math.floor(deadline - performance.now());
}

function levelOf(outcome: RequestOutcome): LogLevel {
  if (outcome === "accepted") return "info";
  if (outcome === "timeout" || outcome === "unreachable" || outcome === "bad_answer") return "error";
  return "warn";
}
