/**
 * The ways a call to Telesign can fail without a Telesign status code. Each message says what
 * was called and what came back; none carries a credential or the request body.
 */

export class TelesignTimeoutError extends Error {
  override name = "TelesignTimeoutError";
  constructor(
    readonly endpoint: string,
    readonly timeoutMs: number,
  ) {
    super(`${endpoint} did not answer within ${timeoutMs} ms`);
  }
}

/** The request may not have reached Telesign: refused, reset, DNS failure. */
export class TelesignNetworkError extends Error {
  override name = "TelesignNetworkError";
  constructor(
    readonly endpoint: string,
    cause: unknown,
  ) {
    super(`${endpoint} failed: ${networkReason(cause)}`, { cause });
  }
}

/** Telesign (or a proxy in front of it) answered with something that is not a Telesign status. */
export class TelesignHttpError extends Error {
  override name = "TelesignHttpError";
  constructor(
    readonly endpoint: string,
    readonly httpStatus: number,
  ) {
    super(`${endpoint} answered HTTP ${httpStatus} without a Telesign status`);
  }
}

export type TelesignError = TelesignTimeoutError | TelesignNetworkError | TelesignHttpError;

function networkReason(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (typeof code === "string") return code;
  return cause instanceof Error ? cause.message : "unknown network error";
}
