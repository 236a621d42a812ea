import { errorResponseSchema, type ErrorResponse } from '../../shared/api/errors.ts';

export { errorResponseSchema, type ErrorResponse };

/** Throw from a handler or hook: the error handler turns it into `{ error, message }` with its status. */
export class HttpError extends Error {
  readonly code: string;
  constructor(
    readonly statusCode: number,
    message: string,
    code?: string,
  ) {
    super(message);
    this.name = 'HttpError';
    this.code = code ?? errorCodeForStatus(statusCode);
  }
}

export const badRequest = (message: string): HttpError => new HttpError(400, message);
export const forbidden = (message: string): HttpError => new HttpError(403, message);
export const notFound = (message: string): HttpError => new HttpError(404, message);
export const conflict = (message: string): HttpError => new HttpError(409, message);

export function errorCodeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'bad_request';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 405:
      return 'method_not_allowed';
    case 406:
      return 'not_acceptable';
    case 409:
      return 'conflict';
    case 410:
      return 'gone';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 422:
      return 'unprocessable';
    case 429:
      return 'too_many_requests';
    case 503:
      return 'unavailable';
    default:
      return status >= 500 ? 'internal' : `http_${status}`;
  }
}
