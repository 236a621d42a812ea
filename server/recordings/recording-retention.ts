import { SERVER_ACTOR, appendServerAuditEvent } from '../audit/server-audit-event.ts';
import type { Database } from '../store/database.ts';

/** Constant shared by every replica; distinct from the other lock keys ("gate" + 'R'). */
export const RECORDING_RETENTION_LOCK_KEY = 0x6761_7465_52;

const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_BATCH_SIZE = 100;

export interface RecordingRetentionOptions {
  db: Database;
  /** Default: the current time. */
  now?: Date;
  /** Recordings removed per transaction (each transaction writes one audit record). */
  batchSize?: number;
  /** Told about every removed recording, e.g. to drop cached terminals. */
  onRemoved?: (id: string) => void;
}

export interface RecordingRetentionResult {
  /** false: another replica (or an earlier call still running) holds the lock. */
  ran: boolean;
  removed: number;
}

/**
 * Removes recordings (with their chunks, snapshots and screen text) whose connection's
 * `recording_retention_days` have passed since they ended (or started, if they never ended),
 * on one replica at a time. Every batch is removed in one transaction together with a
 * `recording_retention_purge` audit record naming the connection, the retention, the cutoff
 * and the ids removed.
 */
export async function purgeExpiredRecordings(opts: RecordingRetentionOptions): Promise<RecordingRetentionResult> {
  const now = opts.now ?? new Date();
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const outcome = await opts.db.tryAdvisoryLock(RECORDING_RETENTION_LOCK_KEY, async (lost) => {
    let removed = 0;
    const connections = await opts.db.query<{ name: string; days: number }>(
      'select name, recording_retention_days as days from connections where name in (select distinct connection from recordings) order by name',
    );
    for (const { name, days } of connections) {
      const cutoff = new Date(now.getTime() - Number(days) * DAY_MS);
      for (;;) {
        if (lost.aborted) return removed;
        const batch = await opts.db.transaction(async (tx) => {
          const rows = await tx.query<{ id: string }>(
            `delete from recordings where id in (
               select id from recordings where connection = $1 and coalesce(ended_at, started_at) < $2 order by started_at limit $3)
             returning id::text as id`,
            [name, cutoff, batchSize],
          );
          if (rows.length === 0) return [];
          const ids = rows.map((row) => row.id);
          await appendServerAuditEvent(tx, {
            kind: 'recording_retention_purge',
            actor: SERVER_ACTOR,
            actorMachine: true,
            connection: name,
            text: `removed ${ids.length} recording(s) of ${name} older than ${Number(days)} days`,
            details: { retentionDays: Number(days), cutoff: cutoff.toISOString(), recordingIds: ids },
            time: now,
          });
          return ids;
        });
        for (const id of batch) opts.onRemoved?.(id);
        removed += batch.length;
        if (batch.length < batchSize) break;
      }
    }
    return removed;
  });
  return outcome.acquired ? { ran: true, removed: outcome.value } : { ran: false, removed: 0 };
}
