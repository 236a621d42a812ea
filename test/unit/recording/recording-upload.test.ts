import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecorderFactory } from '../../../broker/recording/recorder-factory.ts';
import { CHUNK_LOG_FILE, CURSOR_FILE, END_FILE, EVENTS_FILE } from '../../../broker/recording/recording-spool-layout.ts';
import { uploadRecording } from '../../../broker/recording/recording-upload.ts';
import type { RecordingApi } from '../../../broker/recording/recording-upload.ts';
import { uploadPendingRecordings } from '../../../broker/recording/upload-spool.ts';
import { ServerUnreachableError } from '../../../broker/server-client/api-client.ts';
import type { RecordingMeta } from '../../../broker/ssh/session-recorder.ts';
import { castEventSchema, castHeaderSchema, recordingSummarySchema } from '../../../shared/api/recordings.ts';
import type { CastEvent, RecordingSummary } from '../../../shared/api/recordings.ts';
import { freePort } from '../../support/free-port.ts';
import { readSpooledCast } from '../../support/spool-cast.ts';
import { TEST_CONNECTION, startRecordingServer } from './fixtures/recording-server.ts';
import type { RecordingServer } from './fixtures/recording-server.ts';

const CHILD = fileURLToPath(new URL('./fixtures/record-until-killed.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

let server: RecordingServer;
let spoolRoot: string;

beforeAll(async () => {
  server = await startRecordingServer();
});

afterAll(async () => {
  await server?.close();
});

async function freshSpool(): Promise<string> {
  spoolRoot = await mkdtemp(join(tmpdir(), 'gatehouse-recording-spool-'));
  return spoolRoot;
}

function meta(sessionId: string): RecordingMeta {
  return { sessionId, user: 'alice', connection: TEST_CONNECTION, host: 'bastion.internal:22', channel: 0, kind: 'shell', command: null };
}

async function summary(id: string): Promise<RecordingSummary> {
  const response = await fetch(`${server.url}/v1/recordings/${id}`, { headers: { authorization: 'Bearer alice-token' } });
  expect(response.status).toBe(200);
  return recordingSummarySchema.parse(await response.json());
}

/** The recording as the server exports it: header and events. */
async function serverCast(id: string): Promise<{ header: unknown; events: CastEvent[]; text: string }> {
  const response = await fetch(`${server.url}/v1/recordings/${id}/cast`, { headers: { authorization: 'Bearer alice-token' } });
  expect(response.status).toBe(200);
  const text = await response.text();
  const [header, ...lines] = text.split('\n').slice(0, -1);
  return { header: castHeaderSchema.parse(JSON.parse(header!)), events: lines.map((line) => castEventSchema.parse(JSON.parse(line))), text };
}

async function recordingIds(root: string): Promise<string[]> {
  return (await readdir(root)).filter((name) => /^[0-9a-f-]{36}$/.test(name));
}

function outputText(events: readonly CastEvent[]): string {
  return events
    .filter(([, code]) => code === 'o')
    .map(([, , data]) => data)
    .join('');
}

describe('recording upload', () => {
  it('uploads while the session runs, in order, and the server ends up with every event', async () => {
    const root = await freshSpool();
    const factory = createRecorderFactory({ spoolRoot: root, api: server.api('alice'), recordInput: true, log: silent, uploadIntervalMs: 3_600_000, chunkLimits: { maxBytes: 512, maxEvents: 10 } });
    try {
      const recorder = factory({ ...meta('live-session'), kind: 'exec', command: 'tail -f app.log' });
      recorder.start({ width: 100, height: 30, env: { TERM: 'xterm-256color' } });
      const [id] = await recordingIds(root);
      for (let i = 0; i < 40; i++) recorder.output(Buffer.from(`first ${i}\r\n`));
      recorder.input(Buffer.from('q'));
      const midway = await factory.flush();
      expect(midway.pending).toEqual([id]);
      const live = await summary(id!);
      expect(live.chunks).toBeGreaterThan(1);
      expect(live.complete).toBe(false);

      recorder.resize(120, 40);
      recorder.marker('approval granted');
      const euro = Buffer.from('€ ok\r\n');
      recorder.output(euro.subarray(0, 2));
      recorder.output(euro.subarray(2));
      await recorder.end(0);
      const done = await factory.flush();
      expect(done.completed).toEqual([id]);
      expect(await recordingIds(root)).toEqual([]);

      const finished = await summary(id!);
      expect(finished).toMatchObject({ complete: true, exitStatus: 0, brokerSessionId: 'live-session', user: 'alice', width: 100, height: 30 });
      const cast = await serverCast(id!);
      expect(cast.header).toMatchObject({ version: 2, width: 100, height: 30, env: { TERM: 'xterm-256color' } });
      const expectedOutput = Array.from({ length: 40 }, (_, i) => `first ${i}\r\n`).join('') + '€ ok\r\n';
      expect(outputText(cast.events)).toBe(expectedOutput);
      expect(cast.events.filter(([, code]) => code !== 'o').map(([, code, data]) => [code, data])).toEqual([
        ['m', 'exec: tail -f app.log'],
        ['i', 'q'],
        ['r', '120x40'],
        ['m', 'approval granted'],
      ]);
      const times = cast.events.map(([t]) => t);
      expect(times).toEqual([...times].sort((a, b) => a - b));
    } finally {
      await factory.stop();
      await rm(root, { recursive: true, force: true });
    }
  });

  it('re-sends after losing its cursor, and the server keeps one copy of each chunk', async () => {
    const root = await freshSpool();
    const factory = createRecorderFactory({ spoolRoot: root, api: server.api('alice'), recordInput: false, log: silent, uploadIntervalMs: 3_600_000 });
    await factory.stop();
    try {
      const recorder = factory(meta('resend-session'));
      recorder.start({ width: 80, height: 24, env: {} });
      for (let i = 0; i < 30; i++) recorder.output(Buffer.from(`row ${i}\r\n`));
      const [id] = await recordingIds(root);
      const dir = join(root, id!);
      let duplicates = 0;
      const real = server.api('alice');
      const counting: RecordingApi = {
        startRecording: (start) => real.startRecording(start),
        endRecording: (recordingId, end) => real.endRecording(recordingId, end),
        putRecordingChunk: async (recordingId, chunk) => {
          const answer = await real.putRecordingChunk(recordingId, chunk);
          if ('duplicate' in answer && answer.duplicate) duplicates++;
          return answer;
        },
      };
      const limits = { maxBytes: 100, maxEvents: 3 };
      expect(await uploadRecording(dir, counting, limits)).toBe('pending');
      const sent = (await readFile(join(dir, CHUNK_LOG_FILE), 'utf8')).trim().split('\n').length;
      expect(sent).toBeGreaterThan(3);
      // A crash between the server's acknowledgement and the cursor write: the cursor is gone.
      await unlink(join(dir, CURSOR_FILE));
      await recorder.end(7);
      expect(await uploadRecording(dir, counting, limits)).toBe('complete');
      expect(duplicates).toBe(sent);
      const finished = await summary(id!);
      expect(finished).toMatchObject({ complete: true, exitStatus: 7, chunks: sent });
      expect(outputText((await serverCast(id!)).events)).toBe(Array.from({ length: 30 }, (_, i) => `row ${i}\r\n`).join(''));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('finishes after a kill -9 mid-session: uploadPendingRecordings sends everything that was spooled', async () => {
    const root = await freshSpool();
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, root, server.url, 'alice-token'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      let polling = false;
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        if (polling || stdout.split('\n').length < 2000) return;
        polling = true;
        // Kill once the server holds part of it: the crash lands mid-upload.
        const poll = async (): Promise<void> => {
          const listed = (await (await fetch(`${server.url}/v1/recordings`, { headers: { authorization: 'Bearer alice-token' } })).json()) as { recordings: RecordingSummary[] };
          const live = listed.recordings.find((r) => r.brokerSessionId === 'crash-session');
          if (live !== undefined && live.chunks >= 3) child.kill('SIGKILL');
          else setTimeout(() => void poll(), 10);
        };
        void poll();
      });
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, exitSignal) => resolve(exitSignal)));
      expect(signal, stderr).toBe('SIGKILL');
      const acknowledged = stdout.split('\n').slice(0, -1).map(Number);
      expect(acknowledged.length).toBeGreaterThanOrEqual(2000);

      const [id] = await recordingIds(root);
      expect((await summary(id!)).complete).toBe(false);
      const result = await uploadPendingRecordings(root, server.api('alice'), { log: silent });
      expect(result).toMatchObject({ completed: [id], pending: [], rejected: [] });
      expect(await recordingIds(root)).toEqual([]);

      const finished = await summary(id!);
      expect(finished).toMatchObject({ complete: true, exitStatus: null });
      const received = outputText((await serverCast(id!)).events);
      const expected = acknowledged.map((i) => `line ${i} é\r\n`).join('');
      // Every acknowledged line, once and in order; at most the lines after the last acknowledgement follow.
      expect(received.startsWith(expected)).toBe(true);
      expect(received.slice(expected.length)).toMatch(/^(line \d+ é\r\n)*(line \d+ )?$/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('keeps everything through a server outage and sends it once the server is back', async () => {
    const root = await freshSpool();
    const down = `http://127.0.0.1:${await freePort()}`;
    const factory = createRecorderFactory({ spoolRoot: root, api: server.api('alice', down), recordInput: false, log: silent, uploadIntervalMs: 3_600_000 });
    try {
      const recorder = factory(meta('outage-session'));
      recorder.start({ width: 80, height: 24, env: {} });
      for (let i = 0; i < 25; i++) recorder.output(Buffer.from(`during outage ${i}\r\n`));
      await recorder.end(0);
      const attempt = await factory.flush();
      expect(attempt.completed).toEqual([]);
      expect(attempt.pending).toHaveLength(1);
      expect(attempt.error).toBeInstanceOf(ServerUnreachableError);
      const [id] = await recordingIds(root);
      const spooled = await readSpooledCast(join(root, id!, EVENTS_FILE));
      expect(await readFile(join(root, id!, END_FILE), 'utf8')).toContain('"exitStatus":0');

      const result = await uploadPendingRecordings(root, server.api('alice'), { log: silent });
      expect(result.completed).toEqual([id]);
      expect(spooled.events).toHaveLength(25);
      expect((await serverCast(id!)).text).toBe(spooled.text);
    } finally {
      await factory.stop();
      await rm(root, { recursive: true, force: true });
    }
  });
});
