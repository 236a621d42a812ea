import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../../shared/api/identity.ts';
import { RecordingService } from '../../../server/recordings/recording-service.ts';
import type { Database } from '../../../server/store/database.ts';
import { migrate } from '../../../server/store/migrate.ts';
import { openPgliteDatabase } from '../../../server/store/pglite-database.ts';
import { chunkEvents, generateSession } from './fixtures/terminal-session.ts';

const alice: Principal = { subject: 'alice', name: 'alice', groups: ['analysts'], roles: ['analyst'], approverGroups: [], machine: false };
const policy = { everyMs: 3000, everyChars: 64 * 1024 };
const session = generateSession({ seed: 5, durationS: 120, targetBytes: 600_000, width: 90, height: 28 });
const chunks = chunkEvents(session.events, 16 * 1024);

let db: Database;

beforeAll(async () => {
  db = await openPgliteDatabase();
  await migrate(db);
  await db.query(
    `insert into connections (name, kind, target, credential_ciphertext, credential_iv, credential_tag)
     values ('web', 'ssh', '{}'::jsonb, '\\x00'::bytea, '\\x00'::bytea, '\\x00'::bytea)`,
  );
});

afterAll(async () => {
  await db?.close();
});

async function start(service: RecordingService, id: string): Promise<void> {
  await service.start(alice, { id, connection: 'web', host: 'web:22', brokerSessionId: `s-${id}`, startedAt: new Date().toISOString(), header: session.header });
}

async function derived(id: string): Promise<{ snapshots: unknown[]; text: unknown[] }> {
  return {
    snapshots: await db.query('select t_ms, chunk_seq, event_index, width, height, screen, state from recording_snapshots where recording_id = $1 order by chunk_seq, event_index', [id]),
    text: await db.query('select chunk_seq, lines, times from recording_text where recording_id = $1 order by chunk_seq', [id]),
  };
}

describe('RecordingService across replicas', () => {
  it('derives the same snapshots and screen text when every chunk lands on another replica', async () => {
    const log = pino({ level: 'silent' });
    const replicas = [new RecordingService(db, log, { snapshotPolicy: policy }), new RecordingService(db, log, { snapshotPolicy: policy })];
    const single = new RecordingService(db, log, { snapshotPolicy: policy });
    const alternating = randomUUID();
    const together = randomUUID();
    await start(replicas[0]!, alternating);
    await start(single, together);
    for (let seq = 0; seq < chunks.length; seq++) {
      expect(await replicas[seq % 2]!.putChunk(alice, alternating, seq, chunks[seq]!)).toEqual({ stored: { seq, nextSeq: seq + 1, duplicate: false } });
      expect(await single.putChunk(alice, together, seq, chunks[seq]!)).toEqual({ stored: { seq, nextSeq: seq + 1, duplicate: false } });
    }
    const a = await derived(alternating);
    const b = await derived(together);
    expect(a.snapshots.length).toBeGreaterThan(20);
    expect(a.text.length).toBeGreaterThan(5);
    expect(a).toEqual(b);
    for (const service of [...replicas, single]) service.close();
  });

  it('completes a recording whose end arrived before its last chunk, and refuses chunks past the end', async () => {
    const service = new RecordingService(db, pino({ level: 'silent' }), { snapshotPolicy: policy });
    const id = randomUUID();
    await start(service, id);
    const last = chunks.length - 1;
    for (let seq = 0; seq < last; seq++) await service.putChunk(alice, id, seq, chunks[seq]!);
    expect(await service.end(alice, id, { endedAt: new Date().toISOString(), exitStatus: 2, chunks: chunks.length })).toMatchObject({ complete: false, chunks: last });
    await service.putChunk(alice, id, last, chunks[last]!);
    const [row] = await db.query<{ complete: boolean; exit_status: number }>('select complete, exit_status from recordings where id = $1', [id]);
    expect(row).toEqual({ complete: true, exit_status: 2 });
    const extra = await service.putChunk(alice, id, chunks.length, [[9999, 'o', 'late']]);
    expect(extra).toMatchObject({ conflict: { expectedSeq: chunks.length } });
    service.close();
  });
});
