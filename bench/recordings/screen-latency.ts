// Seek latency of GET /v1/recordings/:id/screen on a one-hour, ~100 MB terminal recording.
//
//   npm run bench:recordings [-- --minutes 60 --megabytes 100 --points 200 --seed 7]
//
// Generates a realistic session (prompts, typed commands, command output, long log bursts, a
// top-like program redrawing in the alternate screen, resizes), uploads it in 256 KiB chunks
// to an in-process server on embedded PGlite (on disk), then asks for the screen at random
// times and prints p50/p95/max. Target: p95 < 200 ms. Prints figures; never fails on time.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { ServerApi } from '../../broker/server-client/api-client.ts';
import type { Principal } from '../../shared/api/identity.ts';
import { recordingScreenSchema } from '../../shared/api/recordings.ts';
import type { ServerConfig } from '../../server/config/server-config.ts';
import { startServer } from '../../server/start-server.ts';
import { openPgliteDatabase } from '../../server/store/pglite-database.ts';
import { chunkEvents, generateSession } from '../../test/unit/recording/fixtures/terminal-session.ts';
import { devIdpServerConfig } from '../../test/support/in-process-server-config.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    megabytes: { type: 'string', default: '100' },
    points: { type: 'string', default: '200' },
    seed: { type: 'string', default: '7' },
  },
});
const minutes = Number(values.minutes);
const megabytes = Number(values.megabytes);
const points = Number(values.points);
const seed = Number(values.seed);

const PRINCIPALS: Record<string, Principal> = {
  'alice-token': { subject: 'alice', name: 'alice', groups: ['analysts'], roles: ['analyst'], approverGroups: [], machine: false },
  'dave-token': { subject: 'dave', name: 'dave', groups: ['admins'], roles: ['admin'], approverGroups: [], machine: false },
};

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-bench-recordings-'));
// The in-process server of the tests, without its dev IdP: the bench signs nobody in.
const config: ServerConfig = { ...devIdpServerConfig(dataDir), devIdp: false };
const db = await openPgliteDatabase({ dataDir: join(dataDir, 'pglite') });
const server = await startServer(config, {
  db,
  log: pino({ level: 'silent' }),
  verifyToken: async (token) => {
    const principal = PRINCIPALS[token];
    if (principal === undefined) throw new Error('unknown token');
    return principal;
  },
});

try {
  let started = performance.now();
  const session = generateSession({ seed, durationS: minutes * 60, targetBytes: megabytes * 1024 * 1024 });
  const outputBytes = session.events.reduce((sum, [, code, data]) => sum + (code === 'o' ? Buffer.byteLength(data) : 0), 0);
  const durationMs = session.events.at(-1)![0] * 1000;
  console.log(
    `session: ${(durationMs / 60_000).toFixed(1)} min, ${(outputBytes / 1024 / 1024).toFixed(1)} MiB of output, ${session.events.length} events, ` +
      `${session.events.filter(([, code]) => code === 'r').length} resizes (generated in ${ms(performance.now() - started)})`,
  );

  const created = await fetch(`${server.url}/v1/connections`, {
    method: 'POST',
    headers: { authorization: 'Bearer dave-token', 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'bench-bastion',
      kind: 'ssh',
      target: { host: 'bastion.internal', port: 22, user: 'ops', hostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBenchKey' },
      credential: { kind: 'password', password: 'not-used-by-the-bench' },
      allowedGroups: ['analysts'],
      policyYaml: 'version: 1\nconnection: bench-bastion\ndefault: allow\n',
    }),
  });
  if (created.status !== 201) throw new Error(`creating the connection answered ${created.status}: ${await created.text()}`);

  const api = new ServerApi(server.url, { accessToken: async () => 'alice-token' }, { timeoutMs: 120_000 });
  const id = crypto.randomUUID();
  const chunks = chunkEvents(session.events);
  started = performance.now();
  await api.startRecording({ id, connection: 'bench-bastion', host: 'bastion.internal:22', brokerSessionId: 'bench-session', startedAt: new Date().toISOString(), header: session.header });
  for (let seq = 0; seq < chunks.length; seq++) {
    const answer = await api.putRecordingChunk(id, { seq, events: chunks[seq]! });
    if ('expectedSeq' in answer) throw new Error(`chunk ${seq} refused: ${answer.message}`);
  }
  const summary = await api.endRecording(id, { endedAt: new Date().toISOString(), exitStatus: 0, chunks: chunks.length });
  const uploadMs = performance.now() - started;
  const [{ snapshots }] = (await server.db.query<{ snapshots: number }>('select count(*)::int as snapshots from recording_snapshots where recording_id = $1', [id])) as [
    { snapshots: number },
  ];
  console.log(
    `upload: ${chunks.length} chunks in ${(uploadMs / 1000).toFixed(1)} s (${(summary.bytes / 1024 / 1024 / (uploadMs / 1000)).toFixed(1)} MiB/s of .cast, ` +
      `snapshots and screen text included); ${snapshots} snapshots; complete: ${summary.complete}`,
  );

  // A deterministic spread of random points over the whole recording.
  let state = seed * 2654435761;
  const next = (): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const latencies: number[] = [];
  for (let i = 0; i < points; i++) {
    const t = Math.floor(next() * durationMs);
    const began = performance.now();
    const response = await fetch(`${server.url}/v1/recordings/${id}/screen?t=${t}&limit=100`, { headers: { authorization: 'Bearer alice-token' } });
    const body = recordingScreenSchema.parse(await response.json());
    latencies.push(performance.now() - began);
    if (body.screen.length === 0 && t > 1000) throw new Error(`empty screen at t=${t}`);
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const p95 = percentile(sorted, 95);
  console.log(`screen at ${points} random t: p50 ${ms(percentile(sorted, 50))}, p95 ${ms(p95)}, max ${ms(sorted.at(-1)!)}`);
  console.log(`target p95 < 200 ms: ${p95 < 200 ? 'met' : 'MISSED'}`);
} finally {
  await server.close();
  await db.close();
  await rm(dataDir, { recursive: true, force: true });
}
