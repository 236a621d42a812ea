/**
 * Thrown for every access token that must not be trusted. `reason` is for debug logs only:
 * the HTTP layer answers 401 without detail, so a caller learns nothing about which check failed.
 */
export class TokenRejected extends Error {
  readonly reason: string;

  constructor(reason: string, options?: { cause?: unknown }) {
    super('access token rejected', options);
    this.name = 'TokenRejected';
    this.reason = reason;
  }
}
