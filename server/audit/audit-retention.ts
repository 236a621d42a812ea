import type { Database, Queryable } from '../store/database.ts';
import { AUDIT_CHAIN_LOCK_KEY, AUDIT_LOG_COLUMNS, GENESIS_HASH, auditRecordFromRow, auditRecordHash } from './audit-chain.ts';
import type { AuditLogRow } from './audit-chain.ts';
import type { CheckpointSigner } from './checkpoint-signing.ts';
import { SERVER_ACTOR, appendServerAuditEvent } from './server-audit-event.ts';
import { readCheckpoints } from './verify-audit-log.ts';

/** Constant shared by every replica; distinct from the migration and audit-chain lock keys. */
export const AUDIT_RETENTION_LOCK_KEY = 0x6761_7465_a0;

const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_BATCH_SIZE = 5000;

export interface AuditRetentionOptions {
  db: Database;
  signer: CheckpointSigner;
  /** Records whose time is more than this many days before `now` are removed. */
  auditDays: number;
  /** Default: the current time. */
  now?: Date;
  /** Records removed per transaction (each transaction writes one checkpoint). */
  batchSize?: number;
}

export interface AuditRetentionResult {
  /** false: another replica (or an earlier call still running) holds the retention lock. */
  ran: boolean;
  removed: number;
  checkpoints: number;
}

/** Retention refuses to remove records whose chain does not verify: that would erase the evidence of tampering. */
export class AuditRetentionRefused extends Error {
  constructor(
    readonly seq: number,
    reason: string,
  ) {
    super(`audit retention refused: record ${seq} ${reason}; the records are kept until the chain is investigated`);
    this.name = 'AuditRetentionRefused';
  }
}

/**
 * Removes audit records older than `auditDays`, oldest first, on one replica at a time.
 *
 * The chain can only lose a prefix (verification restarts from the newest checkpoint), so
 * records go strictly in sequence order, and removal stops at the first record that is still
 * within retention: a record a broker shipped late with an old time waits for the records
 * logged before it. Each transaction, under the chain's append lock:
 *   1. re-verifies the records it is about to remove, from the previous checkpoint on,
 *   2. removes them under SET LOCAL gatehouse.retention = 'on' (the append-only trigger's exception),
 *   3. writes a signed checkpoint (through seq, count, last removed hash),
 *   4. appends an `audit_retention_purge` record saying what was removed.
 */
export async function purgeExpiredAuditRecords(opts: AuditRetentionOptions): Promise<AuditRetentionResult> {
  const now = opts.now ?? new Date();
  const cutoff = new Date(now.getTime() - opts.auditDays * DAY_MS);
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const outcome = await opts.db.tryAdvisoryLock(AUDIT_RETENTION_LOCK_KEY, async (lost) => {
    let removed = 0;
    let checkpoints = 0;
    while (!lost.aborted) {
      const count = await opts.db.transaction((tx) => purgeBatch(tx, { ...opts, now, cutoff, batchSize }));
      if (count === 0) break;
      removed += count;
      checkpoints += 1;
      if (count < batchSize) break;
    }
    return { removed, checkpoints };
  });
  return outcome.acquired ? { ran: true, ...outcome.value } : { ran: false, removed: 0, checkpoints: 0 };
}

async function purgeBatch(
  tx: Queryable,
  opts: { signer: CheckpointSigner; auditDays: number; now: Date; cutoff: Date; batchSize: number },
): Promise<number> {
  await tx.query('select pg_advisory_xact_lock($1::bigint)', [AUDIT_CHAIN_LOCK_KEY]);
  const previous = (await readCheckpoints(tx)).at(-1);
  let expectedSeq = (previous?.removedThroughSeq ?? 0) + 1;
  let prevHash = previous?.lastRemovedHash ?? GENESIS_HASH;

  const oldest = await tx.query<AuditLogRow>(`select ${AUDIT_LOG_COLUMNS} from audit_log order by seq limit $1`, [opts.batchSize]);
  let throughSeq = 0;
  let count = 0;
  for (const row of oldest) {
    if (row.time.getTime() >= opts.cutoff.getTime()) break;
    const record = auditRecordFromRow(row);
    if (record.seq !== expectedSeq) throw new AuditRetentionRefused(record.seq, `does not follow record ${expectedSeq - 1}`);
    if (record.prevHash !== prevHash) throw new AuditRetentionRefused(record.seq, 'does not link to the record before it');
    if (auditRecordHash(prevHash, record) !== record.hash) throw new AuditRetentionRefused(record.seq, 'does not match its hash');
    prevHash = record.hash;
    throughSeq = record.seq;
    expectedSeq += 1;
    count += 1;
  }
  if (count === 0) return 0;

  await tx.query("select set_config('gatehouse.retention', 'on', true)");
  const [deleted] = await tx.query<{ n: number }>(
    'with gone as (delete from audit_log where seq <= $1 returning 1) select count(*)::int as n from gone',
    [throughSeq],
  );
  // The exception ends with the delete: nothing else in this transaction may change the trail.
  await tx.query("select set_config('gatehouse.retention', 'off', true)");
  if (Number(deleted?.n) !== count) throw new Error(`audit retention: expected to remove ${count} records, removed ${deleted?.n}`);

  const fields = { removedThroughSeq: throughSeq, removedCount: count, lastRemovedHash: prevHash };
  const [checkpoint] = await tx.query<{ id: number }>(
    `insert into audit_checkpoints (removed_through_seq, removed_count, last_removed_hash, signature, key_id)
     values ($1, $2, $3, $4, $5) returning id`,
    [throughSeq, count, prevHash, opts.signer.sign(fields), opts.signer.keyId],
  );
  await appendServerAuditEvent(tx, {
    kind: 'audit_retention_purge',
    actor: SERVER_ACTOR,
    actorMachine: true,
    time: opts.now,
    text: `removed ${count} audit records through seq ${throughSeq} (older than ${opts.auditDays} days)`,
    details: {
      checkpointId: Number(checkpoint!.id),
      removedFromSeq: throughSeq - count + 1,
      ...fields,
      auditDays: opts.auditDays,
      cutoff: opts.cutoff.toISOString(),
    },
  });
  return count;
}
