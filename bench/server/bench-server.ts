import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loginWithPassword } from '../../test/support/dev-idp.ts';
import { startServerProcess } from '../../test/support/server-process.ts';
import type { RunningServerProcess } from '../../test/support/server-process.ts';

export const DEMO_USERS = ['alice', 'bob', 'carol', 'dave'] as const;
export type DemoUser = (typeof DEMO_USERS)[number];

export interface BenchServer {
  url: string;
  pid: number;
  /** 'pglite' (embedded, in its own data directory) or 'postgres' (the URL given). */
  store: 'pglite' | 'postgres';
  /** Access tokens from the server's dev IdP, signed in through its login form. */
  tokens: Record<DemoUser, string>;
  process: RunningServerProcess;
  stop(): Promise<void>;
}

/**
 * Runs `gatehouse server --dev-idp` as its own process (what an operator runs), on a fresh data
 * directory, and signs the demo users in. A database URL goes through the environment, never
 * argv, as the server asks.
 */
export async function startBenchServer(opts: { databaseUrl?: string; logLevel: string }): Promise<BenchServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gh-bench-server-'));
  const env: NodeJS.ProcessEnv = {
    GATEHOUSE_SECRETS_KEY: randomBytes(32).toString('hex'),
    GATEHOUSE_LOG_LEVEL: opts.logLevel,
    ...(opts.databaseUrl === undefined ? {} : { GATEHOUSE_DATABASE: opts.databaseUrl }),
  };
  let running: RunningServerProcess;
  try {
    running = await startServerProcess(['--dev-idp', '--listen', '127.0.0.1:0', '--data-dir', dataDir], env, { timeoutMs: 120_000 });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const stop = async (): Promise<void> => {
    await running.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const issuer = running.ready.devIdp?.issuer;
    if (issuer === undefined) throw new Error('the server did not report its dev IdP');
    const tokens = {} as Record<DemoUser, string>;
    for (const user of DEMO_USERS) tokens[user] = (await loginWithPassword(issuer, user, `${user}-password`)).accessToken;
    return { url: running.url, pid: running.pid, store: opts.databaseUrl === undefined ? 'pglite' : 'postgres', tokens, process: running, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A JSON request as `user`; throws with the server's answer on anything but 2xx. */
export async function callAs<T>(server: BenchServer, user: DemoUser, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${server.tokens[user]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} as ${user}: HTTP ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}
