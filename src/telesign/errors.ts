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

/** The connection failed: refused, reset, DNS failure. `code` is the system's (ECONNREFUSED, …). */
export class TelesignNetworkError extends Error {
  override name = "TelesignNetworkError";
  readonly code: string | undefined;
  constructor(
    readonly endpoint: string,
    cause: unknown,
  ) {
    super(`${endpoint} failed: ${networkReason(cause)}`, { cause });
    this.code = systemCode(cause);
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

function innermost(error: unknown): unknown {
  return error instanceof Error && error.cause instanceof Error ? error.cause : error;
}

function systemCode(error: unknown): string | undefined {
  const code = (innermost(error) as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

function networkReason(error: unknown): string {
  const cause = innermost(error);
  return systemCode(error) ?? (cause instanceof Error ? cause.message : "unknown network error");
}
