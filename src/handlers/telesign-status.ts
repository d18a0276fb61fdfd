import { messagesOf, type Parsed, type StatusConfig } from "../config.ts";
import { bearerTokenOf } from "../http/bearer-token.ts";
import { jsonResponse } from "../http/json.ts";
import { answerLogged } from "../http/logged-answer.ts";
import { jsonLogger, type LogFields, type Logger } from "../log.ts";
import { type Authentication, createOktaAuthenticator, type OktaAuthenticator } from "../okta/authenticate.ts";
import {
  currentStatus,
  oktaReadingOf,
  type StatusEntry,
  type TransactionRecord,
  withStatus,
} from "../storage/transaction-record.ts";
import type { BlockedRequest, TransactionStore } from "../storage/transaction-store.ts";
import { matchesAny, secretDigest } from "../support/constant-time.ts";
import { withinMs } from "../support/deadline.ts";
import { messageOf } from "../support/error-text.ts";
import { getStatus, type TelesignClientOptions } from "../telesign/client.ts";
import type { TelesignAnswer } from "../telesign/omnichannel-message.ts";
import { referenceIdOf } from "../telesign/reference-id.ts";
import { failedLookupOf, lookupOf, type TelesignLookup } from "../telesign/status-lookup.ts";

/**
 * `GET ?referenceId=…` or `?eventId=…`: what happened to a code. The stored record (the hook's
 * send and Telesign's callbacks) merged with Telesign's own status, asked within the deadline.
 * Protected by Okta's credential or a read-only token; never shows the code or a full phone number.
 * A passthrough credential that no TELESIGN_API_KEY checks never reads a record: Telesign answers
 * another account's lookup as "not found", so its answer proves nothing (the parser refuses
 * that configuration; this refusal stands should one slip through).
 */

export interface TransactionStatusDependencies {
  config: Parsed<StatusConfig>;
  transactions: () => TransactionStore;
  fetch?: typeof fetch;
  log?: Logger;
}

interface Lookup {
  result: TelesignLookup;
  code?: number;
  description?: string;
  /** Telesign's status, when it gave one. */
  entry?: StatusEntry;
}

/** Reading the store gets at most this long; Telesign's lookup has TELESIGN_TIMEOUT_MS of its own. */
const storeTimeoutMs = 1_000;

const unauthorized = () => jsonResponse(401, { error: "unauthorized" }, { "www-authenticate": "Bearer" });

export function createTransactionStatus({
  config,
  transactions,
  fetch,
  log = jsonLogger,
}: TransactionStatusDependencies) {
  const authenticateOkta =
    config.ok && config.config.okta !== undefined
      ? createOktaAuthenticator(config.config.okta, config.config.telesign.timeoutMs)
      : undefined;
  const readTokenDigests = config.ok ? config.config.readTokens.map(secretDigest) : [];

  return (request: Request): Promise<Response> =>
    answerLogged(log, "transaction status", (fields) => answer(request, fields));

  async function answer(request: Request, fields: LogFields): Promise<Response> {
    if (request.method !== "GET") return jsonResponse(405, { error: "method not allowed" }, { allow: "GET" });
    if (!config.ok) {
      fields.problems = messagesOf(config.problems);
      return jsonResponse(500, { error: "not configured" });
    }
    const { telesign } = config.config;
    const access = await authorize(request.headers, readTokenDigests, authenticateOkta, telesign.timeoutMs);
    if (!access.ok) return unauthorized();
    if (access.unverified) {
      fields.refusal = "a passthrough credential that no TELESIGN_API_KEY checks";
      return unauthorized();
    }

    const query = new URL(request.url).searchParams;
    const referenceParameter = query.get("referenceId");
    const askedEvent = query.get("eventId");
    if ((referenceParameter === null) === (askedEvent === null)) {
      return jsonResponse(400, { error: "give exactly one of referenceId and eventId" });
    }
    const askedReference = referenceIdOf(referenceParameter);
    if (referenceParameter !== null && askedReference === undefined) {
      return jsonResponse(400, { error: "referenceId must be 32 hexadecimal digits" });
    }
    if (askedEvent !== null && (askedEvent === "" || askedEvent.length > 200)) {
      return jsonResponse(400, { error: "eventId must be 1 to 200 characters" });
    }

    let record: TransactionRecord | undefined;
    let store: "ok" | "unavailable" = "ok";
    try {
      const records = transactions();
      record = await withinMs(storeTimeoutMs, () =>
        askedReference !== undefined ? records.get(askedReference) : records.getByEventId(askedEvent ?? ""),
      );
    } catch (error) {
      store = "unavailable";
      fields.storeError = messageOf(error);
    }
    const referenceId = askedReference ?? record?.referenceId;
    fields.referenceId = referenceId;
    if (referenceId === undefined) {
      const blocked = store === "ok" && askedEvent !== null ? await blockedRequest(askedEvent, fields) : undefined;
      if (blocked !== undefined) return jsonResponse(200, blocked);
      return jsonResponse(404, { error: "not found", store });
    }

    const credential = access.telesignCredential ?? telesign.credential;
    const lookup: Lookup =
      credential === undefined
        ? { result: "not_configured" }
        : await askTelesign(referenceId, { ...telesign, credential });
    fields.telesignLookup = lookup.result;
    if (record === undefined && lookup.entry === undefined) {
      return jsonResponse(404, { error: "not found", store, telesign: { lookup: lookup.result } });
    }
    const merged =
      lookup.entry === undefined ? record : withStatus(record ?? { referenceId, history: [] }, lookup.entry);
    const history = merged?.history ?? [];
    const current = currentStatus({ history });
    return jsonResponse(200, {
      referenceId,
      eventId: record?.eventId,
      oktaRequestId: record?.oktaRequestId,
      requestType: record?.requestType,
      channel: record?.channel,
      phone: record?.phone,
      status: current === undefined ? null : { ...current, okta: oktaReadingOf(current.code) },
      history,
      createdAt: record?.createdAt,
      updatedAt: record?.updatedAt,
      store,
      telesign: { lookup: lookup.result, code: lookup.code, description: lookup.description },
    });
  }

  /** An event the toll-fraud guard refused: no message, so no Telesign status; what refused it instead. */
  async function blockedRequest(eventId: string, fields: LogFields) {
    let blocked: BlockedRequest | undefined;
    try {
      blocked = await withinMs(storeTimeoutMs, () => transactions().getBlocked(eventId));
    } catch (error) {
      fields.storeError = messageOf(error);
      return undefined;
    }
    if (blocked === undefined) return undefined;
    const { rules, scope, country, receivedAt, ...request } = blocked;
    return {
      ...request,
      status: null,
      history: [],
      blocked: { rules, scope, country, at: receivedAt },
      store: "ok",
    };
  }

  async function askTelesign(referenceId: string, options: TelesignClientOptions): Promise<Lookup> {
    let answer: TelesignAnswer;
    try {
      answer = await getStatus(referenceId, { ...options, ...(fetch && { fetch }) });
    } catch (error) {
      return { result: failedLookupOf(error) };
    }
    const { code, description, updated_on, last_channel } = answer.status;
    const result = lookupOf(answer);
    if (result !== "ok") return { result, code, description };
    const entry: StatusEntry = {
      code,
      description,
      updatedOn: updated_on ?? new Date().toISOString(),
      lastChannel: last_channel,
      source: "status",
    };
    return { result, entry, code, description };
  }
}

type Access = Extract<Authentication, { ok: true }> | { ok: false };

/** A read-only token, or Okta's own credential (which, in passthrough mode, is Telesign's). */
async function authorize(
  headers: Headers,
  readTokenDigests: Buffer[],
  authenticateOkta: OktaAuthenticator | undefined,
  timeoutMs: number,
): Promise<Access> {
  const bearer = bearerTokenOf(headers.get("authorization"));
  if (bearer !== undefined) {
    if (matchesAny(bearer, readTokenDigests)) return { ok: true };
  }
  if (authenticateOkta === undefined) return { ok: false };
  const authentication = await authenticateOkta(headers, timeoutMs);
  return authentication.ok ? authentication : { ok: false };
}
