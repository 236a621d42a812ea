import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerApi } from '../../broker/server-client/api-client.ts';
import type { AuditRecord } from '../../shared/api/audit.ts';
import { auditRecordSchema } from '../../shared/api/audit.ts';
import {
  castEventSchema,
  castHeaderSchema,
  recordingChunkConflictSchema,
  recordingListSchema,
  recordingScreenSchema,
  recordingSearchSchema,
} from '../../shared/api/recordings.ts';
import type { CastEvent, CastHeader, RecordingScreen } from '../../shared/api/recordings.ts';
import { auditRecordHash } from '../../server/audit/audit-chain.ts';
import { castLinesOf } from '../../server/recordings/cast-lines.ts';
import { eventMs } from '../../server/recordings/recording-positions.ts';
import { purgeExpiredRecordings } from '../../server/recordings/recording-retention.ts';
import { applyEvents, createReplayTerminal, serializeScreen } from '../../server/recordings/replay-terminal.ts';
import { startServer } from '../../server/start-server.ts';
import type { RunningServer } from '../../server/start-server.ts';
import { openPgliteDatabase } from '../../server/store/pglite-database.ts';
import { devIdpServerConfig } from '../support/in-process-server-config.ts';
import { loginWithPassword } from '../support/dev-idp.ts';
import { makeStatementEvent } from '../unit/audit/make-audit-event.ts';
import { chunkEvents, generateSession } from '../unit/recording/fixtures/terminal-session.ts';

/*
 * The recordings API end to end: a server in this process (embedded PGlite, its dev IdP), real
 * tokens from the dev IdP's login form, a generated session with resizes and a full-screen
 * program uploaded the way the broker's uploader does, and headless replays to check against.
 */

const DAY = 24 * 60 * 60 * 1000;
const NEEDLE = 'xylophonist';
type User = 'alice' | 'bob' | 'carol' | 'dave';

let dataDir: string;
let server: RunningServer;
const tokens: Record<User, string> = { alice: '', bob: '', carol: '', dave: '' };

const session = generateSession({ seed: 3, durationS: 240, targetBytes: 1_200_000, width: 100, height: 30, needle: { word: NEEDLE, atS: 120 } });
const aliceId = randomUUID();
const bobId = randomUUID();
const brokerSessionId = `ssh-${randomUUID()}`;
const endMs = eventMs(session.events.at(-1)!);

function apiAs(user: User): ServerApi {
  return new ServerApi(server.url, { accessToken: async () => tokens[user] }, { timeoutMs: 60_000 });
}

async function get(user: User, path: string): Promise<Response> {
  return fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${tokens[user]}` } });
}

async function put(user: User, path: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: 'PUT', headers: { authorization: `Bearer ${tokens[user]}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function screenAt(user: User, id: string, t: number, query = ''): Promise<RecordingScreen> {
  const response = await get(user, `/v1/recordings/${id}/screen?t=${t}${query}`);
  expect(response.status).toBe(200);
  return recordingScreenSchema.parse(await response.json());
}

/** The screen after every event at or before t, replayed headless from the start. */
function replayedScreen(header: CastHeader, events: readonly CastEvent[], t: number): string {
  const replay = createReplayTerminal(header.width, header.height);
  applyEvents(
    replay,
    events.filter((event) => eventMs(event) <= t),
  );
  const screen = serializeScreen(replay);
  replay.term.dispose();
  return screen;
}

async function createConnection(name: string, retentionDays: number): Promise<void> {
  const response = await fetch(`${server.url}/v1/connections`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens.dave}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name,
      kind: 'ssh',
      target: { host: `${name}.internal`, port: 22, user: 'ops', hostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITestKey' },
      credential: { kind: 'password', password: 'ssh-password-not-used-here' },
      allowedGroups: ['analysts', 'db-approvers'],
      policyYaml: `version: 1\nconnection: ${name}\ndefault: allow\n`,
      recordingRetentionDays: retentionDays,
    }),
  });
  expect(response.status).toBe(201);
}

async function upload(user: User, id: string, connection: string, sessionId: string, header: CastHeader, events: readonly CastEvent[]): Promise<number> {
  const api = apiAs(user);
  await api.startRecording({ id, connection, host: `${connection}.internal:22`, brokerSessionId: sessionId, startedAt: new Date(Date.now() - endMs).toISOString(), header });
  const chunks = chunkEvents(events, 64 * 1024);
  for (let seq = 0; seq < chunks.length; seq++) {
    const answer = await api.putRecordingChunk(id, { seq, events: chunks[seq]! });
    expect(answer).toEqual({ seq, nextSeq: seq + 1, duplicate: false });
  }
  const summary = await api.endRecording(id, { endedAt: new Date().toISOString(), exitStatus: 0, chunks: chunks.length });
  expect(summary.complete).toBe(true);
  return chunks.length;
}

/** The files of a ustar archive. */
function untar(archive: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let offset = 0;
  while (offset + 512 <= archive.length) {
    const header = archive.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/s, ''), 8);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
    expect(parseInt(header.subarray(148, 156).toString('ascii'), 8)).toBe(sum);
    files.set(name, archive.subarray(offset + 512, offset + 512 + size));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-recordings-'));
  server = await startServer(devIdpServerConfig(dataDir), { db: await openPgliteDatabase(), log: pino({ level: 'silent' }) });
  for (const user of Object.keys(tokens) as User[]) tokens[user] = (await loginWithPassword(server.devIdp!.issuer, user, `${user}-password`)).accessToken;
  await createConnection('web', 30);
  await createConnection('vault', 365);
  await upload('alice', aliceId, 'web', brokerSessionId, session.header, session.events);
});

afterAll(async () => {
  await server?.close();
  await server?.db.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('recordings', () => {
  it('keeps the uploaded session whole: the summary adds up', async () => {
    expect(session.events.filter(([, code]) => code === 'r').length).toBeGreaterThan(0);
    const response = await get('alice', `/v1/recordings/${aliceId}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      id: aliceId,
      connection: 'web',
      user: 'alice',
      userMachine: false,
      brokerSessionId,
      width: 100,
      height: 30,
      durationMs: endMs,
      bytes: Buffer.byteLength(castLinesOf(session.events)),
      exitStatus: 0,
      complete: true,
    });
  });

  it('shows at the end the screen a headless replay of everything shows', async () => {
    const screen = await screenAt('carol', aliceId, endMs);
    expect(screen.screen).toBe(replayedScreen(session.header, session.events, endMs));
    expect(screen.events).toEqual([]);
    expect(screen.nextAfter).toBeNull();
  });

  it('shows at any t in the middle the screen a replay from zero up to t shows', async () => {
    const resizes = session.events.filter(([, code]) => code === 'r').map(eventMs);
    const times = [0, endMs / 3, endMs / 2, (2 * endMs) / 3, ...resizes, eventMs(session.events[session.needleEvent!]!), eventMs(session.events[777]!)];
    for (const t of times) {
      const screen = await screenAt('alice', aliceId, t);
      expect(screen.screen, `t=${t}`).toBe(replayedScreen(session.header, session.events, t));
      const size = [...session.events.filter((event) => event[1] === 'r' && eventMs(event) <= t)].at(-1)?.[2] ?? `${session.header.width}x${session.header.height}`;
      expect(`${screen.width}x${screen.height}`).toBe(size);
    }
  });

  it('pages the events after t, each exactly once, until nextAfter is null', async () => {
    const t = endMs / 2;
    const expected = session.events.filter((event) => eventMs(event) > t);
    const received: CastEvent[] = [];
    let page = await screenAt('alice', aliceId, t, '&limit=700');
    received.push(...page.events);
    while (page.nextAfter !== null) {
      page = await screenAt('alice', aliceId, t, `&limit=700&after=${page.nextAfter}`);
      received.push(...page.events);
    }
    expect(received).toEqual(expected);
  });

  it('finds a word at the time of the event that put it on the screen', async () => {
    const response = await get('carol', `/v1/recordings/search?q=${NEEDLE.toUpperCase()}`);
    expect(response.status).toBe(200);
    const { results } = recordingSearchSchema.parse(await response.json());
    expect(results).toHaveLength(1);
    const [result] = results;
    expect(result!.recording.id).toBe(aliceId);
    expect(result!.hitCount).toBe(1);
    expect(result!.hits).toEqual([{ t: eventMs(session.events[session.needleEvent!]!), line: `notes/todo.txt: rotate the ${NEEDLE} key before Friday` }]);
    // The screen at that instant shows it; a moment before, it does not.
    const at = await screenAt('carol', aliceId, result!.hits[0]!.t);
    const before = await screenAt('carol', aliceId, result!.hits[0]!.t - 0.001);
    expect(at.screen).toContain(NEEDLE);
    expect(before.screen).not.toContain(NEEDLE);
  });

  it('exports a .cast that parses as asciicast v2 and equals what was uploaded', async () => {
    const response = await get('alice', `/v1/recordings/${aliceId}/cast`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/x-asciicast');
    const text = await response.text();
    const [headerLine, ...lines] = text.split('\n');
    expect(lines.pop()).toBe('');
    expect(castHeaderSchema.parse(JSON.parse(headerLine!))).toEqual(session.header);
    expect(lines.map((line) => castEventSchema.parse(JSON.parse(line)))).toEqual(session.events);
    expect(text).toBe(`${JSON.stringify(session.header)}\n${castLinesOf(session.events)}`);
  });

  it('takes a chunk again without storing it twice, and refuses gaps and rewrites with the number it expects', async () => {
    const id = randomUUID();
    const api = apiAs('alice');
    await api.startRecording({ id, connection: 'web', host: 'web.internal:22', brokerSessionId: 'protocol-check', startedAt: new Date().toISOString(), header: { version: 2, width: 80, height: 24 } });
    const chunk = { seq: 0, events: [[0.5, 'o', 'hello\r\n']] as CastEvent[] };
    expect(await api.putRecordingChunk(id, chunk)).toEqual({ seq: 0, nextSeq: 1, duplicate: false });
    expect(await api.putRecordingChunk(id, chunk)).toEqual({ seq: 0, nextSeq: 1, duplicate: true });
    const rewrite = await put('alice', `/v1/recordings/${id}/chunks/0`, { seq: 0, events: [[0.5, 'o', 'HELLO\r\n']] });
    expect(rewrite.status).toBe(409);
    expect(recordingChunkConflictSchema.parse(await rewrite.json()).expectedSeq).toBe(1);
    const gap = await put('alice', `/v1/recordings/${id}/chunks/3`, { seq: 3, events: [[1, 'o', 'later']] });
    expect(gap.status).toBe(409);
    expect(recordingChunkConflictSchema.parse(await gap.json()).expectedSeq).toBe(1);
    const backwards = await put('alice', `/v1/recordings/${id}/chunks/1`, { seq: 1, events: [[0.1, 'o', 'earlier']] });
    expect(backwards.status).toBe(400);
    // Someone else cannot write into it.
    expect((await put('bob', `/v1/recordings/${id}/chunks/1`, { seq: 1, events: [[1, 'o', 'x']] })).status).toBe(404);
    expect(await api.endRecording(id, { endedAt: new Date().toISOString(), exitStatus: null, chunks: 1 })).toMatchObject({ chunks: 1, complete: true });
    expect((await get('alice', `/v1/recordings/${id}/screen?t=1000`)).status).toBe(200);
  });

  it("does not let an analyst read another user's recording; auditors and admins read all", async () => {
    const small = generateSession({ seed: 9, durationS: 20, targetBytes: 20_000, width: 80, height: 24 });
    await upload('bob', bobId, 'vault', `ssh-${randomUUID()}`, small.header, small.events);
    for (const path of [`/v1/recordings/${bobId}`, `/v1/recordings/${bobId}/screen?t=0`, `/v1/recordings/${bobId}/cast`, `/v1/recordings/${bobId}/evidence`]) {
      expect((await get('alice', path)).status, path).toBe(404);
    }
    const aliceList = recordingListSchema.parse(await (await get('alice', '/v1/recordings')).json());
    expect(aliceList.recordings.map((r) => r.id)).not.toContain(bobId);
    expect(aliceList.recordings.map((r) => r.id)).toContain(aliceId);
    const filtered = recordingListSchema.parse(await (await get('alice', '/v1/recordings?user=bob')).json());
    expect(filtered.recordings).toEqual([]);
    for (const reader of ['carol', 'dave'] as const) {
      const all = recordingListSchema.parse(await (await get(reader, '/v1/recordings')).json());
      expect(all.recordings.map((r) => r.id)).toEqual(expect.arrayContaining([aliceId, bobId]));
      expect((await get(reader, `/v1/recordings/${bobId}/screen?t=1000`)).status).toBe(200);
    }
    const byConnection = recordingListSchema.parse(await (await get('carol', '/v1/recordings?connection=vault')).json());
    expect(byConnection.recordings.map((r) => r.id)).toEqual([bobId]);
    const search = recordingSearchSchema.parse(await (await get('bob', `/v1/recordings/search?q=${NEEDLE}`)).json());
    expect(search.results).toEqual([]);
  });

  it("bundles the evidence: the cast, its metadata and the session's audit records with their chain hashes", async () => {
    const events = [0, 1, 2].map((i) =>
      makeStatementEvent({
        actor: { user: 'alice', kind: 'human', localUser: 'alice' },
        connection: 'web',
        sessionId: brokerSessionId,
        statement: { text: `ssh exec: systemctl status nginx #${i}`, fingerprint: `fp-${i}`, class: 'read', protocol: 'simple' },
      }),
    );
    const elsewhere = makeStatementEvent({ actor: { user: 'alice', kind: 'human', localUser: 'alice' }, connection: 'orders', sessionId: 'another-session' });
    await apiAs('alice').ingestAudit({ brokerId: 'alice-laptop', events: [...events, elsewhere] });

    const response = await get('carol', `/v1/recordings/${aliceId}/evidence`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/x-tar');
    const files = untar(Buffer.from(await response.arrayBuffer()));
    expect([...files.keys()]).toEqual(['recording.json', 'recording.cast', 'audit.jsonl']);
    expect(files.get('recording.cast')!.toString('utf8')).toBe(`${JSON.stringify(session.header)}\n${castLinesOf(session.events)}`);
    const metadata = JSON.parse(files.get('recording.json')!.toString('utf8')) as { recording: { id: string }; exportedBy: { name: string }; auditSelection: string };
    expect(metadata.recording.id).toBe(aliceId);
    expect(metadata.exportedBy.name).toBe('carol');
    expect(metadata.auditSelection).toContain('sessionId');

    const records: AuditRecord[] = files
      .get('audit.jsonl')!
      .toString('utf8')
      .trim()
      .split('\n')
      .map((line) => auditRecordSchema.parse(JSON.parse(line)));
    const ids = records.map((record) => record.id);
    for (const event of events) expect(ids).toContain(event.id);
    expect(ids).not.toContain(elsewhere.id);
    expect(records.some((record) => record.kind === 'recording_evidence_exported' && record.event['recordingId'] === aliceId)).toBe(true);
    // Each record carries the hash the chain gave it, recomputable from its fields and back-link.
    for (const { prevHash, hash, ...fields } of records) expect(auditRecordHash(prevHash, fields)).toBe(hash);
    expect(records.map((record) => record.seq)).toEqual([...records.map((record) => record.seq)].sort((a, b) => a - b));
  });

  it("purges recordings past their connection's retention, with an audit record of each purge", async () => {
    const counts = async (id: string): Promise<number[]> => {
      const tables = ['recordings', 'recording_chunks', 'recording_snapshots', 'recording_text'];
      const column = (table: string): string => (table === 'recordings' ? 'id' : 'recording_id');
      return Promise.all(
        tables.map(async (table) => (await server.db.query<{ n: number }>(`select count(*)::int as n from ${table} where ${column(table)} = $1`, [id]))[0]!.n),
      );
    };
    expect((await counts(aliceId)).every((n) => n > 0)).toBe(true);
    // 31 days on: past web's 30 days, within vault's 365.
    const result = await purgeExpiredRecordings({ db: server.db, now: new Date(Date.now() + 31 * DAY) });
    expect(result.ran).toBe(true);
    expect(await counts(aliceId)).toEqual([0, 0, 0, 0]);
    expect((await counts(bobId))[0]).toBe(1);
    expect((await get('carol', `/v1/recordings/${aliceId}`)).status).toBe(404);
    expect((await get('carol', `/v1/recordings/${bobId}`)).status).toBe(200);

    const purges = await server.db.query<{ connection: string; event: { recordingIds: string[]; retentionDays: number } }>(
      "select connection, event from audit_log where kind = 'recording_retention_purge' order by seq",
    );
    expect(purges).toHaveLength(1);
    expect(purges[0]!.connection).toBe('web');
    expect(purges[0]!.event.retentionDays).toBe(30);
    expect(purges[0]!.event.recordingIds).toContain(aliceId);
    // Nothing left to purge: no new record.
    expect((await purgeExpiredRecordings({ db: server.db, now: new Date(Date.now() + 31 * DAY) })).removed).toBe(0);
    expect(await server.db.query("select 1 from audit_log where kind = 'recording_retention_purge'")).toHaveLength(1);
  });
});
