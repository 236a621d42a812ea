import { createHash } from 'node:crypto';
import type { AuditRecord, AuditVerify } from '../../shared/api/audit.ts';
import type { Queryable } from '../store/database.ts';

/*
 * The audit log is one hash chain: each record's hash covers the previous record's hash and
 * every field of the record, sequence number included. Changing, removing or reordering a
 * record breaks the chain from that point, which verifyAuditChain reports.
 *
 * Appends from every request, every connection and every replica are serialized by one
 * transaction-scoped advisory lock, so sequence numbers are gap-free and each record links to
 * the one committed before it.
 */

export const GENESIS_HASH = '0'.repeat(64);
/** Constant shared by every replica; distinct from the migration lock key. */
export const AUDIT_CHAIN_LOCK_KEY = 0x6761_7465_02;

const INSERT_CHUNK = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AuditRecordInput {
  /** A UUID; appending an id that is already in the log is a no-op (counted as a duplicate). */
  id: string;
  /** ISO-8601; stored and hashed at millisecond precision. */
  time: string;
  source: 'broker' | 'server';
  kind: string;
  actor: string;
  actorMachine: boolean;
  connection: string | null;
  statementClass: string | null;
  decision: string | null;
  text: string | null;
  /** The full event as a JSON object (for broker records, the spooled AuditEvent). */
  event: unknown;
}

/** The fields a record's hash covers, as stored. */
export type HashedAuditFields = Omit<AuditRecord, 'prevHash' | 'hash'>;

/** JSON with object keys sorted at every level and no whitespace: one text per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`cannot hash a ${typeof value}`);
    return text;
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function auditRecordHash(prevHash: string, fields: HashedAuditFields): string {
  const hashed: HashedAuditFields = {
    seq: fields.seq,
    id: fields.id,
    time: fields.time,
    source: fields.source,
    kind: fields.kind,
    actor: fields.actor,
    actorMachine: fields.actorMachine,
    connection: fields.connection,
    statementClass: fields.statementClass,
    decision: fields.decision,
    text: fields.text,
    event: fields.event,
  };
  return createHash('sha256').update(prevHash).update(canonicalJson(hashed)).digest('hex');
}

/** Columns in the order auditRecordFromRow expects; `select ${AUDIT_LOG_COLUMNS} from audit_log …`. */
export const AUDIT_LOG_COLUMNS =
  'seq, id::text as id, time, source, kind, actor, actor_machine, connection, statement_class, decision, text, event, prev_hash, hash';

export interface AuditLogRow {
  seq: number;
  id: string;
  time: Date;
  source: 'broker' | 'server';
  kind: string;
  actor: string;
  actor_machine: boolean;
  connection: string | null;
  statement_class: string | null;
  decision: string | null;
  text: string | null;
  event: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

export function auditRecordFromRow(row: AuditLogRow): AuditRecord {
  return {
    seq: Number(row.seq),
    id: row.id,
    time: row.time.toISOString(),
    source: row.source,
    kind: row.kind,
    actor: row.actor,
    actorMachine: row.actor_machine,
    connection: row.connection,
    statementClass: row.statement_class,
    decision: row.decision,
    text: row.text,
    event: row.event,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** What the chain continues from: the newest record, or the newest retention checkpoint when none is left. */
async function chainHead(tx: Queryable): Promise<{ seq: number; hash: string }> {
  const [last] = await tx.query<{ seq: number; hash: string }>('select seq, hash from audit_log order by seq desc limit 1');
  if (last !== undefined) return { seq: Number(last.seq), hash: last.hash };
  const checkpoint = await latestCheckpoint(tx);
  return checkpoint === null ? { seq: 0, hash: GENESIS_HASH } : { seq: checkpoint.throughSeq, hash: checkpoint.lastHash };
}

async function latestCheckpoint(db: Queryable): Promise<{ throughSeq: number; lastHash: string } | null> {
  const [row] = await db.query<{ removed_through_seq: number; last_removed_hash: string }>(
    'select removed_through_seq, last_removed_hash from audit_checkpoints order by removed_through_seq desc, id desc limit 1',
  );
  return row === undefined ? null : { throughSeq: Number(row.removed_through_seq), lastHash: row.last_removed_hash };
}

/** Makes the stored form of a record: what is hashed is exactly what reads back from the database. */
function normalize(record: AuditRecordInput): Omit<HashedAuditFields, 'seq'> {
  if (!UUID.test(record.id)) throw new TypeError(`audit record id "${record.id}" is not a UUID`);
  const time = new Date(record.time);
  if (Number.isNaN(time.getTime())) throw new TypeError(`audit record ${record.id} has an invalid time "${record.time}"`);
  // jsonb keeps exactly what JSON can say, so the event is hashed after the same round trip.
  const event: unknown = JSON.parse(JSON.stringify(record.event ?? null) ?? 'null');
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw new TypeError(`audit record ${record.id}: event must be a JSON object`);
  }
  return {
    id: record.id.toLowerCase(),
    time: time.toISOString(),
    source: record.source,
    kind: record.kind,
    actor: record.actor,
    actorMachine: record.actorMachine,
    connection: record.connection,
    statementClass: record.statementClass,
    decision: record.decision,
    text: record.text,
    event: event as Record<string, unknown>,
  };
}

/**
 * Appends records to the chain inside the caller's transaction (commit makes them durable,
 * rollback leaves no trace and no gap). Records whose id is already logged, or repeated
 * within the batch, are skipped and counted as duplicates, so a broker may resend a batch.
 */
export async function appendAuditRecords(tx: Queryable, records: AuditRecordInput[]): Promise<{ inserted: number; duplicates: number }> {
  const normalized = records.map(normalize);
  if (normalized.length === 0) return { inserted: 0, duplicates: 0 };

  await tx.query('select pg_advisory_xact_lock($1::bigint)', [AUDIT_CHAIN_LOCK_KEY]);
  const ids = [...new Set(normalized.map((r) => r.id))];
  const present = new Set(
    (await tx.query<{ id: string }>('select id::text as id from audit_log where id = any($1::uuid[])', [ids])).map((r) => r.id),
  );
  const fresh: typeof normalized = [];
  for (const record of normalized) {
    if (present.has(record.id)) continue;
    present.add(record.id);
    fresh.push(record);
  }

  let { seq, hash } = await chainHead(tx);
  const rows: Array<HashedAuditFields & { prevHash: string; hash: string }> = [];
  for (const record of fresh) {
    seq += 1;
    const fields: HashedAuditFields = { seq, ...record };
    const next = auditRecordHash(hash, fields);
    rows.push({ ...fields, prevHash: hash, hash: next });
    hash = next;
  }
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    await insertRows(tx, rows.slice(start, start + INSERT_CHUNK));
  }
  return { inserted: fresh.length, duplicates: normalized.length - fresh.length };
}

async function insertRows(tx: Queryable, rows: Array<HashedAuditFields & { prevHash: string; hash: string }>): Promise<void> {
  const params: unknown[] = [];
  const tuples = rows.map((row) => {
    const base = params.length;
    params.push(
      row.seq,
      row.id,
      row.time,
      row.source,
      row.kind,
      row.actor,
      row.actorMachine,
      row.connection,
      row.statementClass,
      row.decision,
      row.text,
      JSON.stringify(row.event),
      row.prevHash,
      row.hash,
    );
    const p = (i: number): string => `$${base + i}`;
    return `(${p(1)}::bigint, ${p(2)}::uuid, ${p(3)}::timestamptz, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}::boolean, ${p(8)}, ${p(9)}, ${p(10)}, ${p(11)}, ${p(12)}::jsonb, ${p(13)}, ${p(14)})`;
  });
  await tx.query(
    `insert into audit_log (seq, id, time, source, kind, actor, actor_machine, connection, statement_class, decision, text, event, prev_hash, hash)
     values ${tuples.join(', ')}`,
    params,
  );
}

/**
 * Re-computes the whole chain, oldest first, one page at a time (memory stays flat however long
 * the log). It starts from the newest retention checkpoint if records were removed. Reports the
 * first record that is missing, mislinked or altered.
 */
export async function verifyAuditChain(db: Queryable, opts: { pageSize?: number } = {}): Promise<AuditVerify> {
  const pageSize = opts.pageSize ?? 1000;
  const checkpoint = await latestCheckpoint(db);
  let expectedSeq = checkpoint === null ? 1 : checkpoint.throughSeq + 1;
  let prevHash = checkpoint === null ? GENESIS_HASH : checkpoint.lastHash;
  let checked = 0;
  let after = expectedSeq - 1;
  for (;;) {
    const page = await db.query<AuditLogRow>(`select ${AUDIT_LOG_COLUMNS} from audit_log where seq > $1 order by seq limit $2`, [after, pageSize]);
    for (const row of page) {
      const record = auditRecordFromRow(row);
      const broken = (reason: string): AuditVerify => ({ ok: false, checked, firstBroken: { seq: record.seq, id: record.id, reason } });
      if (record.seq !== expectedSeq) {
        return broken(record.seq > expectedSeq ? `records ${expectedSeq}..${record.seq - 1} are missing` : `unexpected sequence number (expected ${expectedSeq})`);
      }
      if (record.prevHash !== prevHash) return broken('prev_hash does not match the hash of the record before it');
      if (auditRecordHash(prevHash, record) !== record.hash) return broken('hash does not match the record content');
      prevHash = record.hash;
      expectedSeq += 1;
      checked += 1;
    }
    if (page.length < pageSize) break;
    after = Number(page[page.length - 1]!.seq);
  }
  return { ok: true, checked, firstBroken: null };
}
