import type { AuditRecord } from '../../../shared/api/audit.ts';
import type { RecordingSummary } from '../../../shared/api/recordings.ts';
import type { BridgeClient } from '../../bridge/bridge-client.ts';

/** Enough for any interactive session; a runaway script's session shows its first markers only. */
const MAX_PAGES = 5;
const PAGE = 1000;
/** Audit records written just before the recording starts (the channel request) or after it ends. */
const EDGE_MS = 60_000;

/** The audit records of a recording's connection during the recording, for its timeline markers. */
export async function auditDuringRecording(client: BridgeClient, recording: RecordingSummary): Promise<AuditRecord[]> {
  const start = Date.parse(recording.startedAt);
  const end = recording.endedAt ? Date.parse(recording.endedAt) : start + recording.durationMs;
  const from = new Date(start - EDGE_MS).toISOString();
  const to = new Date(Math.max(end, start + recording.durationMs) + EDGE_MS).toISOString();
  const records: AuditRecord[] = [];
  let after: number | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await client.call('audit.search', { connection: recording.connection, from, to, limit: PAGE, ...(after !== undefined ? { after } : {}) });
    records.push(...result.records);
    if (result.nextAfter === null) break;
    after = result.nextAfter;
  }
  return records;
}
