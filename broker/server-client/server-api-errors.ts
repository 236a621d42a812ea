/**
 * The server answered, and said no (4xx/5xx), or answered something that is not the contract.
 * `code` is the server's machine-readable code when it sent one, else `http_<status>`.
 */
export class ServerApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServerApiError';
    this.status = status;
    this.code = code;
  }

  /** Worth trying again later: the server or something in front of it is overloaded or restarting. */
  get retryable(): boolean {
    return this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/**
 * The server could not be reached at all (DNS, refused, reset, TLS, timeout). Callers that
 * need the server to decide (leases, approvals) must fail closed on this.
 */
export class ServerUnreachableError extends Error {
  readonly url: string;

  constructor(url: string, cause: unknown) {
    super(`the Gatehouse server at ${url} cannot be reached: ${describeCause(cause)}`, { cause });
    this.name = 'ServerUnreachableError';
    this.url = url;
  }
}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  if (cause.name === 'TimeoutError' || cause.name === 'AbortError') return 'timed out';
  // undici hides the errno (ECONNREFUSED, ENOTFOUND, …) one level down.
  const inner = cause.cause;
  if (inner instanceof Error) return `${inner.message}`;
  return cause.message;
}
