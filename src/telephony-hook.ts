import type { HookConfig, Parsed } from "./config.ts";
import { jsonValueOf } from "./json.ts";
import { jsonLogger, type LogFields, type Logger, type LogLevel } from "./log.ts";
import { type OktaAnswer, oktaAnswer, oktaAnswerToFailure } from "./mapping/okta-answer.ts";
import { omnichannelMessage } from "./mapping/omnichannel-message.ts";
import { createOktaAuthenticator, type OktaAuthenticator } from "./okta/authenticate.ts";
import { isKnownRequestType, parseTelephonyRequest } from "./okta/telephony-request.ts";
import { errorSummaries, oktaResponse, telephonyError } from "./okta/telephony-response.ts";
import { maskPhoneNumber } from "./phone-number.ts";
import { readBodyWithin } from "./request-body.ts";
import { sendMessage, type TelesignClientOptions } from "./telesign/client.ts";
import { type TelesignError, TelesignTimeoutError } from "./telesign/errors.ts";
import type { OmnichannelMessage, TelesignAnswer } from "./telesign/omnichannel-message.ts";
import type { SendFacts } from "./transactions/transaction-record.ts";
import type { TransactionStore } from "./transactions/transaction-store.ts";

/**
 * Okta's telephony inline hook: authenticate Okta, validate its request, deliver the code through
 * Telesign and answer in Okta's format, always with HTTP 200 and a valid body once Okta is
 * authenticated, and within the deadline counted from the request's arrival.
 */

export interface TelephonyHookDependencies {
  config: Parsed<HookConfig>;
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

type Outcome =
  | OktaAnswer["outcome"]
  | "method_not_allowed"
  | "misconfigured"
  | "unauthenticated"
  | "too_large"
  | "invalid_request"
  | "internal_error";

interface Answer {
  outcome: Outcome;
  response: Response;
  level?: LogLevel;
}

export function createTelephonyHook({ config, transactions, fetch, log = jsonLogger }: TelephonyHookDependencies) {
  // Built once per instance: in oauth mode it holds the JWKS cache across warm invocations.
  const authenticateOkta: OktaAuthenticator | undefined = config.ok
    ? createOktaAuthenticator(config.config.okta, config.config.telesign.timeoutMs)
    : undefined;

  return async function telephonyHook(request: Request, context: RequestContext = {}): Promise<Response> {
    const arrival = performance.now();
    const fields: LogFields = {};
    let answer: Answer;
    try {
      answer = await answerOkta(request, fields, arrival, context);
    } catch (error) {
      // Our own code failed: Okta still gets a valid body, the logs get the error's kind only.
      fields.error = error instanceof Error ? error.name : typeof error;
      answer = {
        outcome: "internal_error",
        level: "error",
        response: oktaResponse(
          telephonyError(errorSummaries.internalError, [{ reason: "The hook failed", location: "" }]),
        ),
      };
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
      return {
        outcome: "method_not_allowed",
        response: oktaResponse(
          telephonyError(errorSummaries.methodNotAllowed, [
            { reason: "Okta calls this hook with POST", location: "method" },
          ]),
          405,
          { allow: "POST" },
        ),
      };
    }
    if (!config.ok || authenticateOkta === undefined) {
      fields.problems = config.ok ? [] : config.problems;
      return {
        outcome: "misconfigured",
        level: "error",
        response: oktaResponse(
          telephonyError(errorSummaries.notConfigured, [
            { reason: "The hook's configuration is incomplete", location: "" },
          ]),
        ),
      };
    }
    const { telesign, okta } = config.config;

    const authentication = await authenticateOkta(request.headers, remainingMs(telesign.timeoutMs, arrival));
    if (!authentication.ok) {
      fields.reason = authentication.reason;
      return {
        outcome: "unauthenticated",
        response: oktaResponse(
          telephonyError(errorSummaries.unauthorized, [
            { reason: "The request did not carry this hook's credential", location: okta.headerName },
          ]),
          401,
          authentication.challenge === undefined ? {} : { "www-authenticate": authentication.challenge },
        ),
      };
    }

    const body = await readBodyWithin(request, maxRequestBytes);
    if (body === undefined) {
      return {
        outcome: "too_large",
        response: oktaResponse(
          telephonyError(errorSummaries.requestTooLarge, [
            { reason: `The body is over ${maxRequestBytes} bytes`, location: "(body)" },
          ]),
          413,
        ),
      };
    }
    const parsed = parseTelephonyRequest(jsonValueOf(body.toString("utf8")));
    if (!parsed.ok) {
      fields.issues = parsed.issues.map(({ location, reason }) => `${location} ${reason}`);
      return {
        outcome: "invalid_request",
        response: oktaResponse(telephonyError(errorSummaries.invalidRequest, parsed.issues)),
      };
    }
    const oktaRequest = parsed.request;
    const { channel, phoneNumber } = oktaRequest.delivery;
    Object.assign(fields, {
      eventId: oktaRequest.eventId,
      oktaRequestId: oktaRequest.oktaRequestId,
      requestType: oktaRequest.requestType,
      channel,
      phone: maskPhoneNumber(phoneNumber),
    });
    if (!isKnownRequestType(oktaRequest.requestType)) fields.unknownRequestType = true;

    const credential = authentication.telesignCredential ?? telesign.credential;
    if (credential === undefined) throw new Error("no Telesign credential"); // parseConfig rules this out
    const message = omnichannelMessage(oktaRequest, telesign);
    const delivery = await deliver(message, {
      ...telesign,
      credential,
      timeoutMs: remainingMs(telesign.timeoutMs, arrival),
      ...(fetch && { fetch }),
    });
    const answerContext = { channel, locale: oktaRequest.locale, durationMs: performance.now() - arrival };
    if ("error" in delivery) {
      fields.error = delivery.error.message;
      const mapped = oktaAnswerToFailure(delivery.error, answerContext);
      return { outcome: mapped.outcome, response: oktaResponse(mapped.body) };
    }
    const { answer: telesignAnswer } = delivery;
    Object.assign(fields, {
      referenceId: telesignAnswer.reference_id,
      telesignCode: telesignAnswer.status.code,
      telesignHttpStatus: telesignAnswer.httpStatus,
    });
    const mapped = oktaAnswer(telesignAnswer, answerContext);
    if (mapped.outcome === "accepted" && telesignAnswer.reference_id !== undefined) {
      const send: SendFacts = {
        referenceId: telesignAnswer.reference_id,
        eventId: oktaRequest.eventId,
        oktaRequestId: oktaRequest.oktaRequestId,
        requestType: oktaRequest.requestType,
        channel,
        phone: maskPhoneNumber(phoneNumber),
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
  function recordAfterResponse(send: SendFacts, { waitUntil }: RequestContext) {
    if (transactions === undefined) return;
    const recording = Promise.resolve()
      .then(() => transactions().recordSend(send))
      .catch((error: unknown) =>
        log("error", "transaction record not written", {
          referenceId: send.referenceId,
          eventId: send.eventId,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        }),
      );
    waitUntil?.(recording);
  }
}

async function deliver(
  message: OmnichannelMessage,
  options: TelesignClientOptions,
): Promise<{ answer: TelesignAnswer } | { error: TelesignError }> {
  // With no time left, Telesign is not called at all: its answer could not reach Okta.
  if (options.timeoutMs <= 0) return { error: new TelesignTimeoutError("POST /v1/omnichannel", options.timeoutMs) };
  try {
    return { answer: await sendMessage(message, options) };
  } catch (error) {
    return { error: error as TelesignError };
  }
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
