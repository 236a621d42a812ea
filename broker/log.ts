import pino from 'pino';

export type Logger = pino.Logger;

/**
 * Logs go to stderr as JSON lines (stdout is reserved for the machine-readable ready line).
 * Fields that could hold a credential are censored by path as a second line of defence;
 * the first is that credentials are never put into log objects at all.
 */
export function createLogger(opts: { level?: string; name?: string } = {}): Logger {
  return pino(
    {
      name: opts.name ?? 'gatehouse',
      level: opts.level ?? process.env['GATEHOUSE_LOG_LEVEL'] ?? 'info',
      redact: {
        paths: ['password', '*.password', 'secret', '*.secret', 'token', '*.token', 'url', '*.url', 'upstream', '*.upstream'],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: 2, sync: false }),
  );
}
