import { afterAll, describe, expect, it } from 'vitest';
import { newAuditEventId } from '../../../shared/audit/audit-event.ts';
import {
  AUDIT_LOG_COLUMNS,
  GENESIS_HASH,
  appendAuditRecords,
  auditRecordFromRow,
  auditRecordHash,
  canonicalJson,
  verifyAuditChain,
} from '../../../server/audit/audit-chain.ts';
import type { AuditLogRow, AuditRecordInput } from '../../../server/audit/audit-chain.ts';
import type { Database } from '../../../server/store/database.ts';
import { migrate } from '../../../server/store/migrate.ts';
import { openPgliteDatabase } from '../../../server/store/pglite-database.ts';

let shared: Database | undefined;
afterAll(async () => {
  await shared?.close();
});

/** One migrated database for the file, emptied before each test (creating one per test is slow). */
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

function record(overrides: Partial<AuditRecordInput> = {}): AuditRecordInput {
  const id = overrides.id ?? newAuditEventId();
  return {
    id,
    time: '2026-03-01T10:00:00.123456+02:00',
    source: 'broker',
    kind: 'statement',
    actor: 'alice@example.com',
    actorMachine: false,
    connection: 'orders',
    statementClass: 'read',
    decision: 'allow',
    text: 'select * from orders',
    event: { id, nested: { b: 2, a: [1, 'two', null] }, rows: 3 },
    ...overrides,
  };
}

async function rows(db: Database): Promise<ReturnType<typeof auditRecordFromRow>[]> {
  return (await db.query<AuditLogRow>(`select ${AUDIT_LOG_COLUMNS} from audit_log order by seq`)).map(auditRecordFromRow);
}

describe('canonical JSON', () => {
  it('is independent of key order and drops undefined like JSON does', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ a: 1, skip: undefined })).toBe(canonicalJson({ a: 1 }));
  });
});

describe('audit chain', () => {
  it('appends hash-linked records starting from the genesis hash, and verifies them', async () => {
    const db = await freshDb();
    const batch = [record(), record({ kind: 'session_start', statementClass: null, text: null }), record({ source: 'server', actorMachine: true })];
    expect(await db.transaction((tx) => appendAuditRecords(tx, batch))).toEqual({ inserted: 3, duplicates: 0 });
    const stored = await rows(db);
    expect(stored.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(stored[0]!.prevHash).toBe(GENESIS_HASH);
    expect(stored[1]!.prevHash).toBe(stored[0]!.hash);
    expect(stored[2]!.prevHash).toBe(stored[1]!.hash);
    // Time is kept at millisecond precision, in UTC, exactly as hashed.
    expect(stored[0]!.time).toBe('2026-03-01T08:00:00.123Z');
    expect(stored[0]!.event).toEqual(batch[0]!.event);
    expect(auditRecordHash(GENESIS_HASH, stored[0]!)).toBe(stored[0]!.hash);
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 3, firstBroken: null });
  });

  it('skips ids already logged or repeated in the batch, and counts them as duplicates', async () => {
    const db = await freshDb();
    const first = [record(), record()];
    await db.transaction((tx) => appendAuditRecords(tx, first));
    const again = record();
    const result = await db.transaction((tx) => appendAuditRecords(tx, [...first, again, { ...again, text: 'a different text, same id' }]));
    expect(result).toEqual({ inserted: 1, duplicates: 3 });
    const stored = await rows(db);
    expect(stored.map((r) => r.id)).toEqual([first[0]!.id, first[1]!.id, again.id]);
    expect(stored[2]!.text).toBe('select * from orders');
    // Upper-case ids are the same UUIDs.
    expect(await db.transaction((tx) => appendAuditRecords(tx, [{ ...first[0]!, id: first[0]!.id.toUpperCase() }]))).toEqual({ inserted: 0, duplicates: 1 });
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, checked: 3 });
  });

  it('leaves no trace and no gap when the caller rolls back', async () => {
    const db = await freshDb();
    await db.transaction((tx) => appendAuditRecords(tx, [record()]));
    await expect(
      db.transaction(async (tx) => {
        await appendAuditRecords(tx, [record(), record()]);
        throw new Error('ingest failed later');
      }),
    ).rejects.toThrow('ingest failed later');
    await db.transaction((tx) => appendAuditRecords(tx, [record()]));
    expect((await rows(db)).map((r) => r.seq)).toEqual([1, 2]);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, checked: 2 });
  });

  it('refuses malformed records before writing anything', async () => {
    const db = await freshDb();
    await expect(db.transaction((tx) => appendAuditRecords(tx, [record(), record({ id: 'not-a-uuid' })]))).rejects.toThrow(/not a UUID/);
    await expect(db.transaction((tx) => appendAuditRecords(tx, [record({ time: 'yesterday' })]))).rejects.toThrow(/invalid time/);
    await expect(db.transaction((tx) => appendAuditRecords(tx, [record({ event: ['a list'] })]))).rejects.toThrow(/must be a JSON object/);
    expect(await rows(db)).toEqual([]);
  });

  it('inserts large batches in chunks and verifies across pages', async () => {
    const db = await freshDb();
    const batch = Array.from({ length: 1203 }, (_, i) => record({ text: `select ${i}` }));
    expect(await db.transaction((tx) => appendAuditRecords(tx, batch))).toEqual({ inserted: 1203, duplicates: 0 });
    expect(await verifyAuditChain(db, { pageSize: 100 })).toEqual({ ok: true, checked: 1203, firstBroken: null });
  });

  it('the append-only trigger refuses UPDATE, DELETE and TRUNCATE outside retention', async () => {
    const db = await freshDb();
    await db.transaction((tx) => appendAuditRecords(tx, [record()]));
    await expect(db.query("update audit_log set text = 'x'")).rejects.toThrow(/audit_log is append-only: UPDATE refused/);
    await expect(db.query('delete from audit_log')).rejects.toThrow(/append-only: DELETE refused/);
    await expect(db.exec('truncate audit_log')).rejects.toThrow(/append-only: TRUNCATE refused/);
    // The setting is transaction-local: it does not leak into later statements.
    await db.transaction(async (tx) => {
      await tx.query("set local gatehouse.retention = 'on'");
    });
    await expect(db.query('delete from audit_log')).rejects.toThrow(/append-only/);
    expect(await rows(db)).toHaveLength(1);
  });

  it('verify finds an altered record, a mislinked one and a removed one', async () => {
    const db = await freshDb();
    await db.transaction((tx) => appendAuditRecords(tx, [record(), record(), record(), record()]));
    const tamper = (sql: string): Promise<void> =>
      db.transaction(async (tx) => {
        await tx.query("set local gatehouse.retention = 'on'");
        await tx.query(sql);
      });

    await tamper("update audit_log set text = 'drop table orders' where seq = 2");
    const altered = await verifyAuditChain(db);
    expect(altered).toMatchObject({ ok: false, checked: 1, firstBroken: { seq: 2, reason: 'hash does not match the record content' } });
    const second = (await rows(db))[1]!;
    expect(altered.firstBroken?.id).toBe(second.id);

    // Re-hashing the altered record does not help: the next record's back-link gives it away.
    const rehashed = auditRecordHash(second.prevHash, second);
    await tamper(`update audit_log set hash = '${rehashed}' where seq = 2`);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, checked: 2, firstBroken: { seq: 3, reason: 'prev_hash does not match the hash of the record before it' } });

    await tamper('delete from audit_log where seq = 3');
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, firstBroken: { seq: 4, reason: 'records 3..3 are missing' } });
  });

  it('an event altered inside its JSON is caught too', async () => {
    const db = await freshDb();
    await db.transaction((tx) => appendAuditRecords(tx, [record(), record()]));
    await db.transaction(async (tx) => {
      await tx.query("set local gatehouse.retention = 'on'");
      await tx.query(`update audit_log set event = jsonb_set(event, '{rows}', '0') where seq = 1`);
    });
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, checked: 0, firstBroken: { seq: 1 } });
  });

  it('continues from the newest retention checkpoint once old records are removed', async () => {
    const db = await freshDb();
    await db.transaction((tx) => appendAuditRecords(tx, [record(), record(), record()]));
    const before = await rows(db);
    await db.transaction(async (tx) => {
      await tx.query("set local gatehouse.retention = 'on'");
      await tx.query('delete from audit_log where seq <= 2');
      await tx.query(
        "insert into audit_checkpoints (removed_through_seq, removed_count, last_removed_hash, signature, key_id) values (2, 2, $1, 'sig', 'k1')",
        [before[1]!.hash],
      );
    });
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 1, firstBroken: null });

    // Everything removed: the next record still links to the checkpoint.
    await db.transaction(async (tx) => {
      await tx.query("set local gatehouse.retention = 'on'");
      await tx.query('delete from audit_log');
      await tx.query(
        "insert into audit_checkpoints (removed_through_seq, removed_count, last_removed_hash, signature, key_id) values (3, 1, $1, 'sig', 'k1')",
        [before[2]!.hash],
      );
    });
    await db.transaction((tx) => appendAuditRecords(tx, [record()]));
    const [next] = await rows(db);
    expect(next).toMatchObject({ seq: 4, prevHash: before[2]!.hash });
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 1, firstBroken: null });
  });
});
