import { sendMessage, type TelesignClientOptions } from "./client.ts";
import { TelesignError, TelesignHttpError, TelesignNetworkError, TelesignTimeoutError } from "./errors.ts";
import type { OmnichannelMessage, TelesignAnswer } from "./omnichannel-message.ts";
import { systemUnavailable } from "./status-codes.ts";

/**
 * Sends a message, resubmitting only where that cannot send it twice: Telesign said 3500 /
 * HTTP 503 ("the request should be resubmitted"), or the connection never reached Telesign
 * (refused, no DNS answer). Telesign has no idempotency key, so a timeout, a reset or any other
 * answer is never retried. Every attempt fits in what is left of the deadline.
 */

/** Telesign's answer, or why there is none. */
type Sent = { ok: true; answer: TelesignAnswer } | { ok: false; error: TelesignError };

export type SendResult = Sent & { attempts: number };

const maxAttempts = 3;
/** A retry needs at least this much time left to be worth it. */
const minimumRetryMs = 250;
const backoffMs = 50;

/** Connection failures that happen before any byte of the request reaches Telesign. */
const neverConnected = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

function mayResubmit(result: Sent): boolean {
  if (result.ok) return result.answer.status.code === systemUnavailable;
  const { error } = result;
  if (error instanceof TelesignHttpError) return error.httpStatus === 503;
  return error instanceof TelesignNetworkError && error.code !== undefined && neverConnected.has(error.code);
}

/** @param deadline the `performance.now()` time by which the answer must be in. */
export async function sendWithinDeadline(
  message: OmnichannelMessage,
  options: Omit<TelesignClientOptions, "timeoutMs">,
  deadline: number,
): Promise<SendResult> {
  for (let attempts = 1; ; attempts++) {
    const timeoutMs = Math.floor(deadline - performance.now());
    // With no time left, Telesign is not called at all: its answer could not reach Okta.
    if (timeoutMs <= 0) {
      return { ok: false, error: new TelesignTimeoutError("POST /v1/omnichannel", 0), attempts: attempts - 1 };
    }
    let result: Sent;
    try {
      result = { ok: true, answer: await sendMessage(message, { ...options, timeoutMs }) };
    } catch (error) {
      // Anything else is a fault of our own: the hook answers it as one.
      if (!(error instanceof TelesignError)) throw error;
      result = { ok: false, error };
    }
    const pause = backoffMs * attempts;
    if (!mayResubmit(result) || attempts >= maxAttempts || deadline - performance.now() - pause < minimumRetryMs) {
      return { ...result, attempts };
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}
