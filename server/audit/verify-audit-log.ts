import type { AuditVerify } from '../../shared/api/audit.ts';
import type { Queryable } from '../store/database.ts';
import { verifyAuditChain } from './audit-chain.ts';
import type { CheckpointSigner } from './checkpoint-signing.ts';

export interface StoredCheckpoint {
  id: number;
  removedThroughSeq: number;
  removedCount: number;
  lastRemovedHash: string;
  signature: string;
  keyId: string;
}

/** Oldest first, in the order verifyAuditChain picks the newest (through seq, then id). */
export async function readCheckpoints(db: Queryable): Promise<StoredCheckpoint[]> {
  const rows = await db.query<{ id: number; removed_through_seq: number; removed_count: number; last_removed_hash: string; signature: string; key_id: string }>(
    'select id, removed_through_seq, removed_count, last_removed_hash, signature, key_id from audit_checkpoints order by removed_through_seq, id',
  );
  return rows.map((r) => ({
    id: Number(r.id),
    removedThroughSeq: Number(r.removed_through_seq),
    removedCount: Number(r.removed_count),
    lastRemovedHash: r.last_removed_hash,
    signature: r.signature,
    keyId: r.key_id,
  }));
}

/**
 * Checks the retention checkpoints: each is signed by this server's checkpoint key, and each
 * accounts for exactly the records between the one before it and itself, so the checkpoints
 * together account for every removed sequence number. Removing a checkpoint, inserting an
 * unsigned one or editing any signed field is therefore detected.
 */
export function checkCheckpoints(checkpoints: StoredCheckpoint[], signer: CheckpointSigner): AuditVerify | null {
  let previousThrough = 0;
  for (const checkpoint of checkpoints) {
    const broken = (reason: string): AuditVerify => ({
      ok: false,
      checked: 0,
      firstBroken: { seq: checkpoint.removedThroughSeq, id: `checkpoint-${checkpoint.id}`, reason: `retention checkpoint ${checkpoint.id}: ${reason}` },
    });
    const signatureProblem = signer.check(checkpoint, checkpoint.keyId, checkpoint.signature);
    if (signatureProblem !== null) return broken(signatureProblem);
    if (checkpoint.removedThroughSeq - previousThrough !== checkpoint.removedCount) {
      return broken(
        `accounts for ${checkpoint.removedCount} records, but records ${previousThrough + 1}..${checkpoint.removedThroughSeq} are ${checkpoint.removedThroughSeq - previousThrough}`,
      );
    }
    previousThrough = checkpoint.removedThroughSeq;
  }
  return null;
}

async function newestCheckpointId(db: Queryable): Promise<number | null> {
  const [row] = await db.query<{ id: number }>('select id from audit_checkpoints order by removed_through_seq desc, id desc limit 1');
  return row === undefined ? null : Number(row.id);
}

const ATTEMPTS = 3;

/**
 * The whole audit trail's integrity: the retention checkpoints (signatures and continuity),
 * then the hash chain from the newest checkpoint on. A purge that runs while the chain is
 * being walked removes records the walk expected; that shows as a changed newest checkpoint,
 * and the check starts over (no long transaction is held: on embedded PGlite it would stop
 * every other query for the length of the walk).
 */
export async function verifyAuditLog(db: Queryable, signer: CheckpointSigner, opts: { pageSize?: number } = {}): Promise<AuditVerify> {
  let result: AuditVerify = { ok: false, checked: 0, firstBroken: null };
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const checkpoints = await readCheckpoints(db);
    const checkpointProblem = checkCheckpoints(checkpoints, signer);
    if (checkpointProblem !== null) return checkpointProblem;
    result = await verifyAuditChain(db, opts);
    if ((await newestCheckpointId(db)) === (checkpoints.at(-1)?.id ?? null)) return result;
  }
  return result;
}
