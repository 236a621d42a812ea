import type { BridgeClient } from '../../bridge/bridge-client.ts';
import { listRecordings } from '../recordings/recordings-api.ts';
import { recordingAtTime } from './recording-at.ts';
import type { AuditRow } from './audit-rows.ts';

/** How long before an audit record its session's recording may have started. */
const LOOKBACK_MS = 24 * 60 * 60_000;

/** The recording that shows this row's moment, and the offset into it; null when the session was not recorded. */
export async function findRecordingFor(client: BridgeClient, row: AuditRow): Promise<{ id: string; tMs: number } | null> {
  if (row.sessionId === null || row.connection === null) return null;
  const at = Date.parse(row.time);
  if (Number.isNaN(at)) return null;
  const recordings = await listRecordings(client, {
    connection: row.connection,
    from: new Date(at - LOOKBACK_MS).toISOString(),
    to: new Date(at + 60_000).toISOString(),
  });
  const found = recordingAtTime(recordings, row.sessionId, row.time);
  return found ? { id: found.recording.id, tMs: found.tMs } : null;
}
