/**
 * What may be said of anything thrown. Errors from our own code and from libraries never carry a
 * credential or a code (the log-leak check proves it for the hook's own).
 */

/** Its message, for a one-line report. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Its kind only (the class name), where even the message must not be logged. */
export function errorNameOf(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/** Its kind and message, for the log line of a failure in work done after the answer. */
export function errorLineOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
