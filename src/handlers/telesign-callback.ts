import * as z from "zod/mini";
import { type CallbackConfig, messagesOf, type Parsed } from "../config.ts";
import { jsonResponse, jsonValueOf } from "../http/json.ts";
import { answerLogged } from "../http/logged-answer.ts";
import { readBodyWithin } from "../http/request-body.ts";
import { jsonLogger, type LogFields, type Logger } from "../log.ts";
import type { TransactionStore } from "../storage/transaction-store.ts";
import { dayMs, retentionCutoff } from "../support/calendar.ts";
import { withinMs } from "../support/deadline.ts";
import { messageOf } from "../support/error-text.ts";
import { callbackSignatureValid } from "../telesign/callback-signature.ts";
import { referenceIdOf } from "../telesign/reference-id.ts";

/**
 * Telesign's delivery-status callbacks: verified over the raw body, then added to the
 * transaction's status history. Telesign retries, and callbacks may come before the hook's own
 * record or out of order: the store keeps one consistent record, and a replay is the fact it repeats
 * (one per reference id, code and `updated_on`). Only a stored (or deliberately ignored) status gets
 * 200; anything unsigned or mis-signed gets 401 and leaves nothing behind.
 *
 * A status older than the retention window is acknowledged and not stored: a replay never brings
 * back a record that the retention sweep deleted. A status without `updated_on` cannot be dated, so
 * it is stored whether or not the hook's record of its message is there yet (a callback may outrun
 * it): a replay of one after the sweep stores that status again, alone (no request, no phone:
 * nothing the signed callback does not say itself), once, until the sweep takes it again.
 */

export interface CallbackReceiverDependencies {
  config: Parsed<CallbackConfig>;
  transactions: () => TransactionStore;
  log?: Logger;
  now?: () => Date;
  /** How long reading the body, and then storing the status, may each take. */
  stepTimeoutMs?: number;
}

const maxCallbackBytes = 64 * 1024;
/** Telesign expects an answer within about 5 s: reading the body and storing each get less. */
const defaultStepTimeoutMs = 2_000;

const callbackSchema = z.object({
  reference_id: z.string().check(z.refine((id) => referenceIdOf(id) !== undefined)),
  external_id: z.nullish(z.string().check(z.minLength(1))),
  status: z.object({
    code: z.number().check(z.multipleOf(1)),
    description: z._default(z.string(), ""),
    updated_on: z.optional(z.string().check(z.minLength(1))),
    last_channel: z.optional(z.string()),
  }),
});

export function createCallbackReceiver({
  config,
  transactions,
  log = jsonLogger,
  now = () => new Date(),
  stepTimeoutMs = defaultStepTimeoutMs,
}: CallbackReceiverDependencies) {
  return (request: Request): Promise<Response> =>
    answerLogged(log, "telesign callback", (fields) => receive(request, fields));

  async function receive(request: Request, fields: LogFields): Promise<Response> {
    if (request.method !== "POST") {
      fields.outcome = "method_not_allowed";
      return jsonResponse(405, { error: "method not allowed" }, { allow: "POST" });
    }
    if (!config.ok) {
      Object.assign(fields, { outcome: "misconfigured", problems: messagesOf(config.problems) });
      return jsonResponse(500, { error: "not configured" });
    }
    const read = await readBodyWithin(request, maxCallbackBytes, stepTimeoutMs);
    if (!read.ok) {
      fields.outcome = read.refusal;
      return read.refusal === "too_large"
        ? jsonResponse(413, { error: "request too large" })
        : jsonResponse(408, { error: "request body too slow" });
    }
    const { body } = read;
    if (!callbackSignatureValid(request.headers, body, config.config.credential)) {
      fields.outcome = "bad_signature";
      return jsonResponse(401, { error: "invalid signature" });
    }
    const callback = callbackSchema.safeParse(jsonValueOf(body.toString("utf8")));
    if (!callback.success) {
      Object.assign(fields, {
        outcome: "invalid_callback",
        issues: callback.error.issues.map((issue) => issue.path.join(".")),
      });
      return jsonResponse(400, { error: "not a Telesign delivery-status callback" });
    }
    const { reference_id, external_id, status } = callback.data;
    const referenceId = reference_id.toUpperCase();
    const eventId = external_id ?? undefined;
    Object.assign(fields, { referenceId, eventId, telesignCode: status.code });
    const received = now();
    if (Date.parse(status.updated_on ?? "") < oldestKept(received, config.config.retentionDays)) {
      fields.outcome = "ignored_expired";
      return jsonResponse(200, { received: true, stored: false });
    }
    try {
      const records = transactions();
      await withinMs(stepTimeoutMs, () =>
        records.recordStatus(
          referenceId,
          {
            code: status.code,
            description: status.description,
            updatedOn: status.updated_on ?? received.toISOString(),
            lastChannel: status.last_channel,
            source: "callback",
          },
          { eventId, dated: status.updated_on !== undefined },
        ),
      );
    } catch (error) {
      // Telesign retries a callback that did not get 200.
      Object.assign(fields, { outcome: "not_stored", error: messageOf(error) });
      return jsonResponse(503, { error: "not stored, retry" });
    }
    fields.outcome = "stored";
    return jsonResponse(200, { received: true });
  }
}

/**
 * The oldest status time still stored: the sweep deletes whole UTC days before `now` less the
 * retention, and one more day of margin keeps a late status from outliving its send.
 */
function oldestKept(now: Date, retentionDays: number): number {
  return retentionCutoff(now, retentionDays).getTime() + dayMs;
}
