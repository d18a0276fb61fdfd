import type { LogFields, Logger } from "../log.ts";
import { errorNameOf } from "../support/error-text.ts";
import { jsonResponse } from "./json.ts";

/**
 * Answers one request through `handle` and writes one log line about it, with its HTTP status
 * and duration. A failure of our own code answers 500 and logs the error's kind, never throws.
 */
export async function answerLogged(
  log: Logger,
  message: string,
  handle: (fields: LogFields) => Promise<Response>,
): Promise<Response> {
  const arrival = performance.now();
  const fields: LogFields = {};
  let response: Response;
  try {
    response = await handle(fields);
  } catch (error) {
    fields.outcome = "internal_error";
    fields.error = errorNameOf(error);
    response = jsonResponse(500, { error: "internal error" });
  }
  fields.httpStatus = response.status;
  fields.durationMs = Math.round(performance.now() - arrival);
  log(
    response.status >= 500 ? "error" : response.status >= 400 && response.status !== 404 ? "warn" : "info",
    message,
    fields,
  );
  return response;
}
