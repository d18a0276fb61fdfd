/**
 * The ways a call to Telesign can fail without a Telesign status code. Each message says what
 * was called and what came back; none carries a credential or the request body.
 */

/** A call to Telesign that ended without a Telesign status; `endpoint` is what was called. */
export abstract class TelesignError extends Error {
  constructor(
    readonly endpoint: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${endpoint} ${message}`, options);
  }
}

export class TelesignTimeoutError extends TelesignError {
  override name = "TelesignTimeoutError";
  constructor(
    endpoint: string,
    readonly timeoutMs: number,
  ) {
    super(endpoint, `did not answer within ${timeoutMs} ms`);
  }
}

/** The connection failed: refused, reset, DNS failure. `code` is the system's (ECONNREFUSED, …). */
export class TelesignNetworkError extends TelesignError {
  override name = "TelesignNetworkError";
  readonly code: string | undefined;
  constructor(endpoint: string, cause: unknown) {
    super(endpoint, `failed: ${networkReason(cause)}`, { cause });
    this.code = systemCode(cause);
  }
}

/** Telesign (or a proxy in front of it) answered with something that is not a Telesign status. */
export class TelesignHttpError extends TelesignError {
  override name = "TelesignHttpError";
  constructor(
    endpoint: string,
    readonly httpStatus: number,
  ) {
    super(endpoint, `answered HTTP ${httpStatus} without a Telesign status`);
  }
}

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
