import pino from 'pino';
import type { DestinationStream } from 'pino';

export type Logger = pino.Logger;

/**
 * Credentials are never put into log objects on purpose; these paths are the second line of
 * defence for when one slips in anyway (a header dump, a config object, an error's context).
 */
const SENSITIVE_KEYS = [
  'authorization',
  'cookie',
  'token',
  'accessToken',
  'access_token',
  'idToken',
  'id_token',
  'refreshToken',
  'refresh_token',
  'secret',
  'clientSecret',
  'client_secret',
  'secretsKey',
  'password',
  'passphrase',
  'privateKeyPem',
  'credential',
  'connectionString',
];

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  ...SENSITIVE_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
];

export const REDACT_OPTIONS = { paths: REDACT_PATHS, censor: '[redacted]' };

/** The server's logger: JSON lines on stderr (stdout carries only the ready line). */
export function createServerLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    { name: 'gatehouse-server', level: opts.level ?? 'info', redact: REDACT_OPTIONS },
    opts.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

const SENSITIVE_QUERY = /token|secret|password|key|code|ticket/i;

/** A URL fit for a log line: query parameters that may carry a credential are censored. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const name of [...params.keys()]) {
    if (SENSITIVE_QUERY.test(name)) params.set(name, '[redacted]');
  }
  return `${url.slice(0, q)}?${params.toString()}`;
}
