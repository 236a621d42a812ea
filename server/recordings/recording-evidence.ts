import { Readable } from 'node:stream';
import type { AuditRecord } from '../../shared/api/audit.ts';
import type { Principal } from '../../shared/api/identity.ts';
import { AUDIT_LOG_COLUMNS, auditRecordFromRow } from '../audit/audit-chain.ts';
import type { AuditLogRow } from '../audit/audit-chain.ts';
import { appendServerAuditEvent } from '../audit/server-audit-event.ts';
import type { Database, Queryable } from '../store/database.ts';
import { castLines, castSize } from './cast-export.ts';
import { recordingSummaryOf } from './recording-store.ts';
import type { RecordingRow } from './recording-store.ts';
import { tarStream } from './tar-stream.ts';

/**
 * Which audit records belong to a recording, as stated in every bundle:
 *   1. the records of the broker session that recorded it (event.sessionId = the recording's
 *      brokerSessionId): the session's start and end, statements, policy decisions;
 *   2. server records about the recording itself (event.recordingId = its id): exports, purges;
 *   3. records on the same connection whose actor is the recording's user (name or subject),
 *      timed from the recording's start to its end (or its last event while it has no end):
 *      leases, approvals and sessions the broker logged under another session id.
 */
export const EVIDENCE_AUDIT_JOIN =
  "audit_log rows where event->>'sessionId' = recording.brokerSessionId, or event->>'recordingId' = recording.id, " +
  'or (connection = recording.connection and actor in (recording user name, recording user subject) and time between recording start and end), ordered by seq';

export async function evidenceAuditRecords(db: Queryable, recording: RecordingRow): Promise<AuditRecord[]> {
  const start = recording.started_at;
  const end = recording.ended_at ?? new Date(start.getTime() + Number(recording.duration_ms));
  const rows = await db.query<AuditLogRow>(
    `select ${AUDIT_LOG_COLUMNS} from audit_log
      where event->>'sessionId' = $1
         or event->>'recordingId' = $2
         or (connection = $3 and actor in ($4, $5) and time >= $6 and time <= $7)
      order by seq`,
    [recording.broker_session_id, recording.id, recording.connection, recording.user_name, recording.user_subject, start, end],
  );
  return rows.map(auditRecordFromRow);
}

/**
 * The evidence bundle of one recording, a tar archive of:
 *   recording.json  the recording's summary, header, who exported it and when, and how the
 *                   audit records were selected;
 *   recording.cast  the asciicast v2 recording, as uploaded;
 *   audit.jsonl     the selected audit records, oldest first, each with its seq, prevHash and
 *                   hash, so the chain can be checked against the server's log.
 * The export is itself an audit record (recording_evidence_exported), written first, so the
 * bundle contains the record of its own making.
 */
export async function evidenceBundle(db: Database, recording: RecordingRow, exportedBy: Principal): Promise<Readable> {
  const exportedAt = new Date();
  await db.transaction((tx) =>
    appendServerAuditEvent(tx, {
      kind: 'recording_evidence_exported',
      actor: exportedBy.name,
      actorMachine: exportedBy.machine,
      connection: recording.connection,
      text: `evidence bundle of recording ${recording.id} exported`,
      details: { recordingId: recording.id, sessionId: recording.broker_session_id },
      time: exportedAt,
    }),
  );
  const audit = await evidenceAuditRecords(db, recording);
  const metadata = Buffer.from(
    `${JSON.stringify(
      {
        recording: recordingSummaryOf(recording),
        header: JSON.parse(recording.header) as unknown,
        exportedAt: exportedAt.toISOString(),
        exportedBy: { name: exportedBy.name, subject: exportedBy.subject, machine: exportedBy.machine },
        auditSelection: EVIDENCE_AUDIT_JOIN,
        auditRecords: audit.length,
      },
      null,
      2,
    )}\n`,
  );
  const auditLines = Buffer.from(audit.map((record) => `${JSON.stringify(record)}\n`).join(''));
  return Readable.from(
    tarStream([
      { name: 'recording.json', size: metadata.length, mtime: exportedAt, content: [metadata] },
      { name: 'recording.cast', size: castSize(recording), mtime: exportedAt, content: castLines(db, recording) },
      { name: 'audit.jsonl', size: auditLines.length, mtime: exportedAt, content: [auditLines] },
    ]),
  );
}
