import type { Readable } from 'node:stream';
import type { AppSession } from './app-session.ts';
import { BridgeFailure, type BridgeHandlers } from './bridge-dispatcher.ts';
import { translated } from './bridge-errors.ts';

export type AuditHandlers = Pick<BridgeHandlers, 'audit.search' | 'audit.verify' | 'audit.export'>;

/** The largest export the bridge carries as one answer; bigger ones belong to `gatehouse audit export`. */
const MAX_EXPORT_BYTES = 64 * 1024 * 1024;

/** audit.*: the server's audit API as it is; the server decides who may read what. */
export function auditHandlers(d: { session: AppSession }): AuditHandlers {
  return {
    'audit.search': (query) => translated(() => d.session.active().api.searchAudit(query)),
    'audit.verify': () => translated(() => d.session.active().api.verifyAudit()),
    'audit.export': ({ format, ...query }) =>
      translated(async () => {
        const { after: _after, limit: _limit, ...filters } = query;
        const stream = await d.session.active().api.exportAudit(format, filters);
        const content = await readAll(stream);
        return { content, rows: format === 'jsonl' ? countJsonLines(content) : countCsvRecords(content) };
      }),
  };
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += buffer.length;
    if (size > MAX_EXPORT_BYTES) {
      stream.destroy();
      throw new BridgeFailure('invalid', `the export is larger than ${MAX_EXPORT_BYTES / 1024 / 1024} MiB; narrow the filter or use \`gatehouse audit export\``);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function countJsonLines(content: string): number {
  return content.split('\n').filter((line) => line.trim() !== '').length;
}

/** Records of a CSV text with a header line: line ends outside quoted fields. */
function countCsvRecords(content: string): number {
  let records = 0;
  let quoted = false;
  let lineHasContent = false;
  for (const c of content) {
    if (c === '"') quoted = !quoted;
    if (c === '\n' && !quoted) {
      if (lineHasContent) records += 1;
      lineHasContent = false;
    } else if (c !== '\r') {
      lineHasContent = true;
    }
  }
  if (lineHasContent) records += 1;
  return Math.max(0, records - 1);
}
