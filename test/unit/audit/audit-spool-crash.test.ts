import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSpool } from '../../../broker/audit/audit-spool.ts';

const CHILD = fileURLToPath(new URL('./fixtures/append-until-killed.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-crash-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the appending child until it has acknowledged `killAfter` events, then SIGKILLs it. */
async function appendThenKill(killAfter: number, spoolDir: string, mode: 'durable' | 'buffered'): Promise<{ acknowledged: string[]; signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, spoolDir, mode], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    if (stdout.split('\n').length > killAfter) child.kill('SIGKILL');
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.on('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
  });
  if (signal !== 'SIGKILL') throw new Error(`child exited on its own (code ${code}): ${stderr}`);
  // Only complete lines: an id cut by the kill was never fully announced.
  const acknowledged = stdout.split('\n').slice(0, -1);
  return { acknowledged, signal };
}

describe('AuditSpool under kill -9', () => {
  it('never loses an acknowledged event, across repeated crashes and restarts', async () => {
    const acknowledged: string[] = [];
    for (const killAfter of [200, 400]) {
      const run = await appendThenKill(killAfter, dir, 'durable');
      expect(run.signal).toBe('SIGKILL');
      expect(run.acknowledged.length).toBeGreaterThanOrEqual(killAfter);
      acknowledged.push(...run.acknowledged);
    }

    const spooled: string[] = [];
    for await (const event of readSpool(dir)) spooled.push(event.id);
    const spooledSet = new Set(spooled);
    expect(spooledSet.size).toBe(spooled.length);
    const lost = acknowledged.filter((id) => !spooledSet.has(id));
    expect(lost).toEqual([]);
    // Each restart wrote its own segment instead of appending after a possibly torn line.
    expect((await readdir(dir)).filter((name) => name.endsWith('.jsonl'))).toHaveLength(2);
  });

  it('buffered: never loses an event once appendNow returned, though its fsync was still pending', async () => {
    const bufferedDir = join(dir, 'buffered');
    const acknowledged: string[] = [];
    for (const killAfter of [300, 600]) {
      const run = await appendThenKill(killAfter, bufferedDir, 'buffered');
      expect(run.acknowledged.length).toBeGreaterThanOrEqual(killAfter);
      acknowledged.push(...run.acknowledged);
    }
    const spooled = new Set<string>();
    for await (const event of readSpool(bufferedDir)) spooled.add(event.id);
    expect(acknowledged.filter((id) => !spooled.has(id))).toEqual([]);
    // 16 kB segments: the runs rotated through several, synchronously, while being killed.
    expect((await readdir(bufferedDir)).filter((name) => name.endsWith('.jsonl')).length).toBeGreaterThan(4);
  });
});
