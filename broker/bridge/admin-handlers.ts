import type { Readable } from 'node:stream';
import { RECORDING_DOWNLOAD_MAX_BYTES } from '../../shared/bridge/admin-bridge.ts';
import type { AppSession } from './app-session.ts';
import { BridgeFailure, type BridgeHandlers } from './bridge-dispatcher.ts';
import { translated } from './bridge-errors.ts';
import { validatePolicy } from './policy-validation.ts';
import { loadSessionTimeline } from './session-timeline.ts';

export type AdminHandlers = Pick<
  BridgeHandlers,
  'admin.policyHistory' | 'admin.policyDiff' | 'admin.validatePolicy' | 'admin.updatePolicy' | 'recordings.download' | 'audit.sessionTimeline'
>;

/**
 * The admin's policy editor (history, diff, validation, saving a new version) and the
 * auditor's downloads and query-session timelines. The server decides who may do each.
 */
export function adminHandlers(d: { session: AppSession; maxDownloadBytes?: number }): AdminHandlers {
  const maxDownloadBytes = d.maxDownloadBytes ?? RECORDING_DOWNLOAD_MAX_BYTES;
  return {
    'admin.policyHistory': ({ connection }) => translated(async () => ({ versions: await d.session.active().api.listPolicyVersions(connection) })),
    'admin.policyDiff': ({ connection, from, to }) => translated(() => d.session.active().api.policyDiff(connection, from, to)),
    'admin.validatePolicy': async ({ yaml, connection }) => validatePolicy(yaml, connection),
    'admin.updatePolicy': ({ connection, yaml, reason }) =>
      translated(async () => {
        // The server would refuse it too, but without saying where; the editor wants lines.
        const checked = validatePolicy(yaml, connection);
        if (!checked.ok) {
          throw new BridgeFailure('invalid', checked.errors.map((e) => `line ${e.line}, column ${e.column}${e.path === '' ? '' : ` (${e.path})`}: ${e.message}`).join('\n'));
        }
        const updated = await d.session.active().api.updateConnection(connection, { policyYaml: yaml, reason });
        return { version: updated.policyVersion };
      }),
    'recordings.download': ({ id, format }) =>
      translated(async () => {
        const download = await d.session.active().api.openRecordingDownload(id, format);
        if (download.contentLength !== null && download.contentLength > maxDownloadBytes) {
          download.body.destroy();
          throw tooLarge(id, format, maxDownloadBytes);
        }
        const bytes = await readAtMost(download.body, maxDownloadBytes, () => tooLarge(id, format, maxDownloadBytes));
        return { filename: download.filename, base64: bytes.toString('base64'), bytes: bytes.length };
      }),
    'audit.sessionTimeline': (params) => translated(() => loadSessionTimeline(d.session.active().api, params)),
  };
}

function tooLarge(id: string, format: 'cast' | 'evidence', limit: number): BridgeFailure {
  const what = format === 'cast' ? 'recording' : 'evidence bundle';
  return new BridgeFailure('invalid', `this ${what} is larger than ${Math.round(limit / 1024 / 1024)} MB, too large to download through the app; fetch it from the server directly (GET /v1/recordings/${id}/${format})`);
}

async function readAtMost(stream: Readable, limit: number, onTooLarge: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += buffer.length;
    if (size > limit) {
      stream.destroy();
      throw onTooLarge();
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, size);
}
