import { parseArgs } from 'node:util';

export interface ServerBenchOptions {
  /** UPDATEs held for approval and approved, one after another (plus untimed warm-ups). */
  statements: number;
  /** How long each store receives audit batches. */
  ingestSeconds: number;
  /** Concurrent senders of audit batches, each waiting for its answer before the next. */
  ingestSenders: number;
  /** Events per POST /v1/audit/ingest. */
  batchSize: number;
  /** Event streams held open at once for the memory and fan-out measure. */
  sseClients: number;
  /** The server processes' log level; `info` writes a line per request, which competes with what is measured. */
  serverLogLevel: string;
}

export const USAGE = `usage: npm run bench:server -- [options]
  --statements N       approval round trips through the proxy (default 30)
  --ingest-seconds N   seconds of audit ingest per store (default 10)
  --ingest-senders N   concurrent audit senders (default 4)
  --batch-size N       audit events per batch (default 500, at most 5000)
  --sse-clients N      event streams held open (default 1000)
  --server-log-level L log level of the server processes (default warn)`;

const DEFAULTS: ServerBenchOptions = {
  statements: 30,
  ingestSeconds: 10,
  ingestSenders: 4,
  batchSize: 500,
  sseClients: 1000,
  serverLogLevel: 'warn',
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function positiveInteger(flag: string, text: string | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`--${flag} needs a whole number from 1 to ${max} (got "${text}")\n${USAGE}`);
  return value;
}

export function parseServerBenchOptions(argv: readonly string[]): ServerBenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      statements: { type: 'string' },
      'ingest-seconds': { type: 'string' },
      'ingest-senders': { type: 'string' },
      'batch-size': { type: 'string' },
      'sse-clients': { type: 'string' },
      'server-log-level': { type: 'string' },
    },
  });
  if (values.help === true) return 'help';
  const logLevel = values['server-log-level'] ?? DEFAULTS.serverLogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`--server-log-level must be one of ${LOG_LEVELS.join(', ')}`);
  return {
    statements: positiveInteger('statements', values.statements, DEFAULTS.statements),
    ingestSeconds: positiveInteger('ingest-seconds', values['ingest-seconds'], DEFAULTS.ingestSeconds),
    ingestSenders: positiveInteger('ingest-senders', values['ingest-senders'], DEFAULTS.ingestSenders),
    batchSize: positiveInteger('batch-size', values['batch-size'], DEFAULTS.batchSize, 5000),
    sseClients: positiveInteger('sse-clients', values['sse-clients'], DEFAULTS.sseClients),
    serverLogLevel: logLevel,
  };
}
