import { jsonValueOf } from "../http/json.ts";
import { DeadlineExceeded, withinMs } from "../support/deadline.ts";
import type { TelesignAuthMethod, TelesignCredential } from "./credentials.ts";
import { TelesignHttpError, TelesignNetworkError, TelesignTimeoutError } from "./errors.ts";
import { type OmnichannelMessage, type TelesignAnswer, telesignAnswerSchema } from "./omnichannel-message.ts";
import { authenticationHeaders } from "./request-signing.ts";

/**
 * A small typed client for Telesign Messaging on the global `fetch`: abortable, Basic or digest
 * authentication, one named error per failure that has no Telesign status code.
 */

export interface TelesignClientOptions {
  apiUrl: string;
  authMethod: TelesignAuthMethod;
  credential: TelesignCredential;
  /** The request (body included) is abandoned when this is reached. */
  timeoutMs: number;
  fetch?: typeof fetch;
}

const omnichannelPath = "/v1/omnichannel";

/** Telesign's status of a message (an optional feature of the account). */
export function getStatus(referenceId: string, options: TelesignClientOptions): Promise<TelesignAnswer> {
  return callTelesign("GET", `${omnichannelPath}/${encodeURIComponent(referenceId)}`, options);
}

/** Sends one message; resolves with Telesign's status whatever its code, rejects with a TelesignError. */
export function sendMessage(message: OmnichannelMessage, options: TelesignClientOptions): Promise<TelesignAnswer> {
  const body = JSON.stringify(message);
  return callTelesign("POST", omnichannelPath, options, body);
}

async function callTelesign(
  method: "GET" | "POST",
  path: string,
  options: TelesignClientOptions,
  body?: string,
): Promise<TelesignAnswer> {
  const received = await exchange(
    method,
    path,
    options,
    body === undefined ? undefined : { type: "application/json", body },
  );
  const answer = telesignAnswerSchema.safeParse(jsonValueOf(received.text));
  if (!answer.success) throw new TelesignHttpError(`${method} ${path}`, received.status);
  return { ...answer.data, httpStatus: received.status };
}

/**
 * One authenticated request to Telesign, within the options' timeout: its HTTP status and body
 * text, or a TelesignTimeoutError or TelesignNetworkError naming `endpoint` (a path that carries
 * a phone number must not be its own name: errors are logged).
 */
export async function exchange(
  method: "GET" | "POST",
  path: string,
  { apiUrl, authMethod, credential, timeoutMs, fetch = globalThis.fetch }: TelesignClientOptions,
  content?: { type: string; body: string },
  endpoint = `${method} ${path}`,
): Promise<{ status: number; text: string }> {
  const contentType = content?.type ?? "";
  const body = content?.body;
  const headers: Record<string, string> = {
    accept: "application/json",
    ...authenticationHeaders(authMethod, credential, { method, path, contentType, body }),
  };
  if (body !== undefined) headers["content-type"] = contentType;
  try {
    return await withinMs(timeoutMs, async (signal) => {
      const response = await fetch(`${apiUrl}${path}`, { method, headers, body: body ?? null, signal });
      return { status: response.status, text: await response.text() };
    });
  } catch (error) {
    if (error instanceof DeadlineExceeded) throw new TelesignTimeoutError(endpoint, timeoutMs);
    throw new TelesignNetworkError(endpoint, error);
  }
}
