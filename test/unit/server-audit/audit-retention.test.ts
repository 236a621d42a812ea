import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { newAuditEventId } from '../../../shared/audit/audit-event.ts';
import { AUDIT_LOG_COLUMNS, appendAuditRecords, auditRecordFromRow } from '../../../server/audit/audit-chain.ts';
import type { AuditLogRow, AuditRecordInput } from '../../../server/audit/audit-chain.ts';
import { AUDIT_RETENTION_LOCK_KEY, AuditRetentionRefused, purgeExpiredAuditRecords } from '../../../server/audit/audit-retention.ts';
import { checkpointSigner } from '../../../server/audit/checkpoint-signing.ts';
import { readCheckpoints, verifyAuditLog } from '../../../server/audit/verify-audit-log.ts';
import type { Database } from '../../../server/store/database.ts';
import { migrate } from '../../../server/store/migrate.ts';
import { openPgliteDatabase } from '../../../server/store/pglite-database.ts';

const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date('2026-06-01T12:00:00.000Z');
const signer = checkpointSigner(randomBytes(32));

let shared: Database | undefined;
afterAll(async () => {
  await shared?.close();
});

async function freshDb(): Promise<Database> {
  if (shared === undefined) {
    shared = await openPgliteDatabase();
    await migrate(shared);
  }
  await shared.transaction(async (tx) => {
    await tx.query("set local gatehouse.retention = 'on'");
    await tx.exec('truncate audit_log, audit_checkpoints');
  });
  return shared;
}

function recordAged(days: number, overrides: Partial<AuditRecordInput> = {}): AuditRecordInput {
  const id = newAuditEventId();
  return {
    id,
    time: new Date(NOW.getTime() - days * DAY).toISOString(),
    source: 'broker',
    kind: 'statement',
    actor: 'alice',
    actorMachine: false,
    connection: 'orders',
    statementClass: 'read',
    decision: 'allow',
    text: `select ${days}`,
    event: { id, days },
    ...overrides,
  };
}

async function append(db: Database, ages: number[]): Promise<void> {
  await db.transaction((tx) => appendAuditRecords(tx, ages.map((days) => recordAged(days))));
}

async function logRows(db: Database): Promise<ReturnType<typeof auditRecordFromRow>[]> {
  return (await db.query<AuditLogRow>(`select ${AUDIT_LOG_COLUMNS} from audit_log order by seq`)).map(auditRecordFromRow);
}

const purge = (db: Database, extra: { batchSize?: number; now?: Date } = {}): ReturnType<typeof purgeExpiredAuditRecords> =>
  purgeExpiredAuditRecords({ db, signer, auditDays: 30, now: NOW, ...extra });

describe('purgeExpiredAuditRecords', () => {
  it('removes the expired prefix, writes a signed checkpoint and logs the purge; the log still verifies', async () => {
    const db = await freshDb();
    await append(db, [400, 100, 31, 5, 1]);
    const before = await logRows(db);

    expect(await purge(db)).toEqual({ ran: true, removed: 3, checkpoints: 1 });

    const after = await logRows(db);
    expect(after.map((r) => r.seq)).toEqual([4, 5, 6]);
    const [checkpoint] = await readCheckpoints(db);
    expect(checkpoint).toMatchObject({ removedThroughSeq: 3, removedCount: 3, lastRemovedHash: before[2]!.hash, keyId: signer.keyId });
    expect(signer.check(checkpoint!, checkpoint!.keyId, checkpoint!.signature)).toBeNull();

    const purgeRecord = after[2]!;
    expect(purgeRecord).toMatchObject({ source: 'server', kind: 'audit_retention_purge', actor: 'gatehouse-server', actorMachine: true, prevHash: before[4]!.hash });
    expect(purgeRecord.event).toMatchObject({ removedFromSeq: 1, removedThroughSeq: 3, removedCount: 3, auditDays: 30, checkpointId: checkpoint!.id });

    expect(await verifyAuditLog(db, signer)).toEqual({ ok: true, checked: 3, firstBroken: null });
    // Nothing left to remove: no empty checkpoint, no purge record.
    expect(await purge(db)).toEqual({ ran: true, removed: 0, checkpoints: 0 });
    expect(await readCheckpoints(db)).toHaveLength(1);
  });

  it('stops at the first record still within retention, even if later ones are older', async () => {
    const db = await freshDb();
    await append(db, [90, 2, 200]);
    expect(await purge(db)).toMatchObject({ removed: 1 });
    expect((await logRows(db)).map((r) => r.seq)).toEqual([2, 3, 4]);
  });

  it('works in batches, one checkpoint each, and chains them', async () => {
    const db = await freshDb();
    await append(db, [50, 49, 48, 47, 46, 45, 44, 1]);
    expect(await purge(db, { batchSize: 3 })).toEqual({ ran: true, removed: 7, checkpoints: 3 });
    expect((await readCheckpoints(db)).map((c) => [c.removedThroughSeq, c.removedCount])).toEqual([
      [3, 3],
      [6, 3],
      [7, 1],
    ]);
    expect(await verifyAuditLog(db, signer)).toMatchObject({ ok: true });

    // Later purges continue from the last checkpoint, purge records included once they age.
    expect(await purge(db, { now: new Date(NOW.getTime() + 40 * DAY) })).toMatchObject({ removed: 4 });
    expect(await verifyAuditLog(db, signer)).toMatchObject({ ok: true, checked: 1 });
  });

  it('continues the chain from the checkpoint when everything was removed', async () => {
    const db = await freshDb();
    await append(db, [100]);
    await purge(db);
    // The purge record itself expires later.
    expect(await purge(db, { now: new Date(NOW.getTime() + 31 * DAY) })).toMatchObject({ removed: 1 });
    expect(await logRows(db)).toHaveLength(1);
    await append(db, [0]);
    expect(await verifyAuditLog(db, signer)).toEqual({ ok: true, checked: 2, firstBroken: null });
  });

  it('refuses to remove records whose chain is broken, so tampering is not laundered', async () => {
    const db = await freshDb();
    await append(db, [100, 90, 80, 1]);
    await db.transaction(async (tx) => {
      await tx.query("set local gatehouse.retention = 'on'");
      await tx.query("update audit_log set text = 'drop table evidence' where seq = 2");
    });
    await expect(purge(db)).rejects.toBeInstanceOf(AuditRetentionRefused);
    await expect(purge(db)).rejects.toThrow(/record 2 does not match its hash/);
    expect(await logRows(db)).toHaveLength(4);
    expect(await readCheckpoints(db)).toHaveLength(0);
  });

  it('skips when another holder has the retention lock', async () => {
    const db = await freshDb();
    await append(db, [100]);
    const inner = await db.tryAdvisoryLock(AUDIT_RETENTION_LOCK_KEY, () => purge(db));
    expect(inner).toEqual({ acquired: true, value: { ran: false, removed: 0, checkpoints: 0 } });
    expect(await logRows(db)).toHaveLength(1);
  });
});

describe('verifyAuditLog with checkpoints', () => {
  async function purgedTwice(): Promise<Database> {
    const db = await freshDb();
    await append(db, [100, 99, 98, 97, 1]);
    await purge(db, { batchSize: 2 });
    return db;
  }

  it('fails a checkpoint whose fields were edited', async () => {
    const db = await purgedTwice();
    const [first] = await readCheckpoints(db);
    await db.transaction(async (tx) => {
      await tx.query("set local gatehouse.retention = 'on'");
      await tx.query('update audit_checkpoints set removed_count = 1 where id = $1', [first!.id]);
    });
    expect(await verifyAuditLog(db, signer)).toEqual({
      ok: false,
      checked: 0,
      firstBroken: { seq: 2, id: `checkpoint-${first!.id}`, reason: `retention checkpoint ${first!.id}: signature does not match the checkpoint` },
    });
  });

  it('fails when a checkpoint is deleted, though every remaining one is signed', async () => {
    const db = await purgedTwice();
    const [first, second] = await readCheckpoints(db);
    await db.transaction(async (tx) => {
      await tx.query("set local gatehouse.retention = 'on'");
      await tx.query('delete from audit_checkpoints where id = $1', [first!.id]);
    });
    const result = await verifyAuditLog(db, signer);
    expect(result.ok).toBe(false);
    expect(result.firstBroken).toMatchObject({ seq: 4, id: `checkpoint-${second!.id}`, reason: expect.stringMatching(/records 1\.\.4 are 4/) });
  });

  it('fails a checkpoint signed with another key, and an unsigned one', async () => {
    const db = await purgedTwice();
    const other = checkpointSigner(randomBytes(32));
    expect((await verifyAuditLog(db, other)).firstBroken?.reason).toMatch(/not this server's checkpoint key/);

    const head = (await logRows(db))[0]!;
    await db.transaction(async (tx) => {
      await tx.query("set local gatehouse.retention = 'on'");
      await tx.query('delete from audit_log where seq = $1', [head.seq]);
      await tx.query(
        "insert into audit_checkpoints (removed_through_seq, removed_count, last_removed_hash, signature, key_id) values ($1, 1, $2, 'sig', $3)",
        [head.seq, head.hash, signer.keyId],
      );
    });
    expect((await verifyAuditLog(db, signer)).firstBroken).toMatchObject({ seq: head.seq, reason: expect.stringMatching(/signature does not match/) });
  });

  it('fails when records after the checkpoint are removed without one', async () => {
    const db = await purgedTwice();
    await db.transaction(async (tx) => {
      await tx.query("set local gatehouse.retention = 'on'");
      await tx.query('delete from audit_log where seq = 5');
    });
    expect(await verifyAuditLog(db, signer)).toMatchObject({ ok: false, firstBroken: { seq: 6, reason: 'records 5..5 are missing' } });
  });
});
