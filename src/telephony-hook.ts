import { type HookConfig, maxTelesignTimeoutMs, type Parsed } from "./config.ts";
import { settledWithin } from "./deadline.ts";
import type { DuplicateEvents } from "./duplicate-events.ts";
import { jsonValueOf } from "./json.ts";
import { jsonLogger, type LogFields, type Logger, type LogLevel } from "./log.ts";
import { type OktaAnswer, oktaAnswer, oktaAnswerToFailure } from "./mapping/okta-answer.ts";
import { omnichannelMessage } from "./mapping/omnichannel-message.ts";
import { createOktaAuthenticator, type OktaAuthenticator } from "./okta/authenticate.ts";
import { codeMessageIssue } from "./okta/code-message.ts";
import { isKnownRequestType, parseTelephonyRequest } from "./okta/telephony-request.ts";
import { errorSummaries, oktaResponse, telephonyError } from "./okta/telephony-response.ts";
import { maskPhoneNumber } from "./phone-number.ts";
import { readBodyWithin } from "./request-body.ts";
import { sendWithinDeadline } from "./telesign/send-within-deadline.ts";
import type { SendFacts } from "./transactions/transaction-record.ts";
import type { TransactionStore } from "./transactions/transaction-store.ts";

/**
 * Okta's telephony inline hook: authenticate Okta, validate its request, deliver the code through
 * Telesign and answer in Okta's format, always with HTTP 200 and a valid body once Okta is
 * authenticated, and within the deadline counted from the request's arrival.
 */

export interface TelephonyHookDependencies {
  config: Parsed<HookConfig>;
  /** Keeps a repeated eventId from reaching Telesign twice; none, no guard. */
  duplicates?: DuplicateEvents;
  /** Where accepted messages are recorded for delivery status; none, no records. */
  transactions?: () => TransactionStore;
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

type Outcome =
  | OktaAnswer["outcome"]
  | "method_not_allowed"
  | "misconfigured"
  | "unauthenticated"
  | "too_large"
  | "too_slow"
  | "invalid_request"
  | "message_refused"
  | "hook_timeout"
  | "internal_error"
  | "duplicate";

interface Answer {
  outcome: Outcome;
  response: Response;
  level?: LogLevel;
}

export function createTelephonyHook({
  config,
  duplicates,
  transactions,
  fetch,
  log = jsonLogger,
}: TelephonyHookDependencies) {
  // Built once per instance: in oauth mode it holds the JWKS cache across warm invocations.
  const authenticateOkta: OktaAuthenticator | undefined = config.ok
    ? createOktaAuthenticator(config.config.okta, config.config.telesign.timeoutMs)
    : undefined;

  return async function telephonyHook(request: Request, context: RequestContext = {}): Promise<Response> {
    const arrival = performance.now();
    const fields: LogFields = {};
    let answer: Answer;
    const budgetMs = config.ok ? config.config.telesign.timeoutMs : maxTelesignTimeoutMs;
    try {
      // A safety net: every step has its own deadline, so this answers only a hook that hung.
      answer = await settledWithin(budgetMs + answerMarginMs, answerOkta(request, fields, arrival, context), () => ({
        ...refusal("hook_timeout", errorSummaries.hookTimeout, "The hook did not finish in time", ""),
        level: "error",
      }));
    } catch (error) {
      // Our own code failed: Okta still gets a valid body, the logs get the error's kind only.
      fields.error = error instanceof Error ? error.name : typeof error;
      answer = { ...refusal("internal_error", errorSummaries.internalError, "The hook failed", ""), level: "error" };
    }
    fields.outcome = answer.outcome;
    fields.durationMs = Math.round(performance.now() - arrival);
    log(answer.level ?? levelOf(answer.outcome), "okta telephony request", fields);
    return answer.response;
  };

  async function answerOkta(
    request: Request,
    fields: LogFields,
    arrival: number,
    context: RequestContext,
  ): Promise<Answer> {
    if (request.method !== "POST") {
      fields.method = request.method;
      return refusal(
        "method_not_allowed",
        errorSummaries.methodNotAllowed,
        "Okta calls this hook with POST",
        "method",
        {
          status: 405,
          headers: { allow: "POST" },
        },
      );
    }
    if (!config.ok || authenticateOkta === undefined) {
      fields.problems = config.ok ? [] : config.problems;
      return {
        ...refusal("misconfigured", errorSummaries.notConfigured, "The hook's configuration is incomplete", ""),
        level: "error",
      };
    }
    const { telesign, okta } = config.config;

    const authentication = await authenticateOkta(request.headers, remainingMs(telesign.timeoutMs, arrival));
    if (!authentication.ok) {
      fields.reason = authentication.reason;
      return refusal(
        "unauthenticated",
        errorSummaries.unauthorized,
        "The request did not carry this hook's credential",
        okta.headerName,
        {
          status: 401,
          headers: authentication.challenge === undefined ? {} : { "www-authenticate": authentication.challenge },
        },
      );
    }

    const read = await readBodyWithin(request, maxRequestBytes, remainingMs(telesign.timeoutMs, arrival));
    if (!read.ok && read.refusal === "too_large") {
      const reason = `The body is over ${maxRequestBytes} bytes`;
      return refusal("too_large", errorSummaries.requestTooLarge, reason, "(body)", { status: 413 });
    }
    if (!read.ok) {
      const reason = "The body did not arrive within the hook's deadline";
      return refusal("too_slow", errorSummaries.requestTooSlow, reason, "(body)", { status: 408 });
    }
    const parsed = parseTelephonyRequest(jsonValueOf(read.body.toString("utf8")));
    if (!parsed.ok) {
      fields.issues = parsed.issues.map(({ location, reason }) => `${location} ${reason}`);
      return {
        outcome: "invalid_request",
        response: oktaResponse(telephonyError(errorSummaries.invalidRequest, parsed.issues)),
      };
    }
    const oktaRequest = parsed.request;
    const { channel } = oktaRequest.delivery;
    const phone = maskPhoneNumber(oktaRequest.delivery.phoneNumber);
    Object.assign(fields, {
      eventId: oktaRequest.eventId,
      oktaRequestId: oktaRequest.oktaRequestId,
      requestType: oktaRequest.requestType,
      channel,
      phone,
    });
    if (!isKnownRequestType(oktaRequest.requestType)) fields.unknownRequestType = true;
    const textIssue = codeMessageIssue(oktaRequest.delivery);
    if (textIssue !== undefined) {
      fields.issues = [`${textIssue.location} ${textIssue.reason}`];
      return {
        outcome: "message_refused",
        response: oktaResponse(telephonyError(errorSummaries.messageRefused, [textIssue])),
      };
    }

    const deadline = arrival + telesign.timeoutMs;
    const claim =
      duplicates === undefined || oktaRequest.eventId === undefined
        ? undefined
        : await duplicates.claim({
            eventId: oktaRequest.eventId,
            expiresAt: codeExpiry(oktaRequest),
            deadline,
          });
    if (claim?.kind === "repeat") {
      return {
        outcome: "duplicate",
        response: oktaResponse(
          claim.answer ??
            telephonyError(errorSummaries.duplicateInProgress, [
              { reason: "The first request of this event has no answer yet", location: "eventId" },
            ]),
        ),
      };
    }
    if (claim?.guard === "memory") fields.duplicateGuard = "memory";

    const credential = authentication.telesignCredential ?? telesign.credential;
    if (credential === undefined) throw new Error("no Telesign credential"); // parseConfig rules this out
    const message = omnichannelMessage(oktaRequest, telesign);
    const delivery = await sendWithinDeadline(message, { ...telesign, credential, ...(fetch && { fetch }) }, deadline);
    if (delivery.attempts > 1) fields.telesignAttempts = delivery.attempts;
    const answerContext = { channel, locale: oktaRequest.locale, durationMs: performance.now() - arrival };
    const mapped =
      "error" in delivery
        ? oktaAnswerToFailure(delivery.error, answerContext)
        : oktaAnswer(delivery.answer, answerContext);
    // Only a refusal proves nothing was sent: after anything else, a repeat must not send again.
    if (claim !== undefined)
      afterResponse(claim.settle(mapped.body, mapped.outcome !== "rejected"), context, "duplicate claim not settled");
    if ("error" in delivery) {
      fields.error = delivery.error.message;
      return { outcome: mapped.outcome, response: oktaResponse(mapped.body) };
    }
    const { answer: telesignAnswer } = delivery;
    Object.assign(fields, {
      referenceId: telesignAnswer.reference_id,
      telesignCode: telesignAnswer.status.code,
      telesignHttpStatus: telesignAnswer.httpStatus,
    });
    if (mapped.outcome === "accepted" && telesignAnswer.reference_id !== undefined) {
      const send: SendFacts = {
        referenceId: telesignAnswer.reference_id,
        eventId: oktaRequest.eventId,
        oktaRequestId: oktaRequest.oktaRequestId,
        requestType: oktaRequest.requestType,
        channel,
        phone,
        status: {
          code: telesignAnswer.status.code,
          description: telesignAnswer.status.description,
          updatedOn: new Date().toISOString(),
        },
      };
      recordAfterResponse(send, context);
    }
    return { outcome: mapped.outcome, response: oktaResponse(mapped.body) };
  }

  /** The record is written after Okta has its answer: a slow or failing store never delays a code. */
  function recordAfterResponse(send: SendFacts, context: RequestContext) {
    if (transactions === undefined) return;
    afterResponse(
      Promise.resolve().then(() => transactions().recordSend(send)),
      context,
      "transaction record not written",
      { referenceId: send.referenceId, eventId: send.eventId },
    );
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
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      }),
    );
    waitUntil?.(logged);
  }
}

/** Okta's `error` answer for a request the hook does not deliver. */
function refusal(
  outcome: Outcome,
  errorSummary: string,
  reason: string,
  location: string,
  { status = 200, headers = {} }: { status?: number; headers?: Record<string, string> } = {},
): Answer {
  return { outcome, response: oktaResponse(telephonyError(errorSummary, [{ reason, location }]), status, headers) };
}

const minuteMs = 60_000;

/** When the code expires: Okta's otpExpires, else five minutes after the event, kept between 30 s and 15 min from now. */
function codeExpiry({ otpExpires, eventTime }: { otpExpires?: string; eventTime?: string }): number {
  const now = Date.now();
  const stated = Date.parse(otpExpires ?? "") || Date.parse(eventTime ?? "") + 5 * minuteMs || now + 5 * minuteMs;
  return Math.min(Math.max(stated, now + 30_000), now + 15 * minuteMs);
}

/** What is left of the budget, counted from the request's arrival. */
function remainingMs(budgetMs: number, arrival: number): number {
  return Math.floor(budgetMs - (performance.now() - arrival));
}

function levelOf(outcome: Outcome): LogLevel {
  if (outcome === "accepted") return "info";
  if (outcome === "timeout" || outcome === "unreachable" || outcome === "bad_answer") return "error";
  return "warn";
}
