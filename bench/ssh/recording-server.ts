import { readFileSync, readdirSync } from 'node:fs';
import { constants, setPriority } from 'node:os';
import { recordingSummarySchema } from '../../shared/api/recordings.ts';
import type { RecordingSummary } from '../../shared/api/recordings.ts';
import type { SshdHandle } from '../../test/support/sshd.ts';
import { callAs, startBenchServer } from '../server/bench-server.ts';
import type { BenchServer } from '../server/bench-server.ts';

export const BENCH_CONNECTION = 'bench-ssh';

/**
 * Lowers every thread of a process to the lowest CPU priority. On Linux a nice value is per
 * thread, so renicing the PID alone would leave the libuv and V8 threads where they were;
 * threads created later inherit the value from the thread that creates them.
 */
function lowestPriority(pid: number): void {
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      setPriority(Number(tid), constants.priority.PRIORITY_LOW);
    } catch {
      // The thread ended meanwhile.
    }
  }
}

/**
 * The policy server the recordings upload to: `gatehouse server --dev-idp` on PGlite, with the
 * SSH connection (the real sshd, its pinned host key and the user's key as credential) that the
 * recordings belong to. It stands for a server on another machine, so it runs at the lowest CPU
 * priority: it takes what the measured processes leave, and the uploads wait for it as they
 * would for a remote one.
 */
export async function startRecordingServer(sshd: SshdHandle): Promise<BenchServer> {
  const server = await startBenchServer({ logLevel: 'warn' });
  try {
    lowestPriority(server.pid);
    await callAs(server, 'dave', 'POST', '/v1/connections', {
      name: BENCH_CONNECTION,
      kind: 'ssh',
      description: 'bench:ssh — the test sshd',
      target: { host: sshd.host, port: sshd.port, user: sshd.user, hostKey: sshd.hostKeyPublic },
      credential: { kind: 'private-key', privateKeyPem: readFileSync(sshd.userKeyFile, 'utf8') },
      allowedGroups: ['analysts'],
      policyYaml: `version: 1\nconnection: ${BENCH_CONNECTION}\ndefault: allow\n`,
    });
    return server;
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** What the server holds of one recording; null if it has never heard of it. */
export async function serverRecording(server: BenchServer, id: string): Promise<RecordingSummary | null> {
  const response = await fetch(`${server.url}/v1/recordings/${id}`, { headers: { authorization: `Bearer ${server.tokens.alice}` } });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`GET /v1/recordings/${id}: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`);
  return recordingSummarySchema.parse(await response.json());
}
