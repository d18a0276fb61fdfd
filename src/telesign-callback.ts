import * as z from "zod/mini";
import type { CallbackConfig, Parsed } from "./config.ts";
import { jsonResponse, jsonValueOf } from "./json.ts";
import { answerLogged, jsonLogger, type LogFields, type Logger } from "./log.ts";
import { readBodyWithin } from "./request-body.ts";
import { callbackSignatureValid } from "./telesign/callback-signature.ts";
import type { TransactionStore } from "./transactions/transaction-store.ts";

/**
 * Telesign's delivery-status callbacks: verified over the raw body, then added to the
 * transaction's status history. Telesign retries, and callbacks may come before the hook's own
 * record or out of order: the store keeps one consistent record. Only a stored status gets 200;
 * anything unsigned or mis-signed gets 401 and leaves nothing behind.
 */

export interface CallbackReceiverDependencies {
  config: Parsed<CallbackConfig>;
  transactions: () => TransactionStore;
  log?: Logger;
}

const maxCallbackBytes = 64 * 1024;

const callbackSchema = z.object({
  reference_id: z.string().check(z.regex(/^[0-9A-Fa-f]{32}$/)),
  external_id: z.nullish(z.string().check(z.minLength(1))),
  status: z.object({
    code: z.number().check(z.multipleOf(1)),
    description: z._default(z.string(), ""),
    updated_on: z.optional(z.string().check(z.minLength(1))),
    last_channel: z.optional(z.string()),
  }),
});

export function createCallbackReceiver({ config, transactions, log = jsonLogger }: CallbackReceiverDependencies) {
  return (request: Request): Promise<Response> =>
    answerLogged(log, "telesign callback", (fields) => receive(request, fields));

  async function receive(request: Request, fields: LogFields): Promise<Response> {
    if (request.method !== "POST") {
      fields.outcome = "method_not_allowed";
      return jsonResponse(405, { error: "method not allowed" }, { allow: "POST" });
    }
    if (!config.ok) {
      Object.assign(fields, { outcome: "misconfigured", problems: config.problems });
      return jsonResponse(500, { error: "not configured" });
    }
    const body = await readBodyWithin(request, maxCallbackBytes);
    if (body === undefined) {
      fields.outcome = "too_large";
      return jsonResponse(413, { error: "request too large" });
    }
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
    Object.assign(fields, { referenceId, eventId: external_id ?? undefined, telesignCode: status.code });
    try {
      await transactions().recordStatus(
        referenceId,
        {
          code: status.code,
          description: status.description,
          updatedOn: status.updated_on ?? new Date().toISOString(),
          lastChannel: status.last_channel,
          source: "callback",
        },
        external_id ?? undefined,
      );
    } catch (error) {
      // Telesign retries a callback that did not get 200.
      Object.assign(fields, { outcome: "not_stored", error: error instanceof Error ? error.message : String(error) });
      return jsonResponse(503, { error: "not stored, retry" });
    }
    fields.outcome = "stored";
    return jsonResponse(200, { received: true });
  }
}
