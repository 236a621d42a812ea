import { readFileSync, readdirSync } from 'node:fs';
import { appendFile, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import type { AuditEvent } from '../../../shared/audit/audit-event.ts';
import { AuditSpool, SpoolUnavailableError, readSpool } from '../../../broker/audit/audit-spool.ts';
import type { SkippedLine } from '../../../broker/audit/spool-cursor.ts';
import { makeResultEvent, makeStatementEvent } from './make-audit-event.ts';

let root: string;
let dir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'gatehouse-spool-'));
  dir = join(root, 'spool');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function readIds(spoolDir: string, onSkippedLine?: (skipped: SkippedLine) => void): Promise<string[]> {
  const ids: string[] = [];
  for await (const event of readSpool(spoolDir, onSkippedLine === undefined ? {} : { onSkippedLine })) ids.push(event.id);
  return ids;
}

async function segmentNames(spoolDir: string): Promise<string[]> {
  return (await readdir(spoolDir)).filter((name) => name.endsWith('.jsonl')).sort();
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return performance.now() - started;
}

describe('AuditSpool', () => {
  it('reads back every event, in append order, exactly as appended', async () => {
    const spool = await AuditSpool.open(dir);
    const statement = makeStatementEvent();
    const result = makeResultEvent(statement);
    await spool.append(statement);
    await spool.append(result);
    const burst = Array.from({ length: 50 }, () => makeStatementEvent());
    await Promise.all(burst.map((event) => spool.append(event)));
    await spool.close();

    const events: AuditEvent[] = [];
    for await (const event of readSpool(dir)) events.push(event);
    expect(events).toEqual([statement, result, ...burst]);
  });

  it('starts a new segment on reopen and keeps the order across segments', async () => {
    const first = await AuditSpool.open(dir);
    const before = [makeStatementEvent(), makeStatementEvent()];
    for (const event of before) await first.append(event);
    await first.close();
    const second = await AuditSpool.open(dir);
    const after = [makeStatementEvent(), makeStatementEvent()];
    for (const event of after) await second.append(event);
    await second.close();

    expect(await segmentNames(dir)).toEqual(['spool-000000000001.jsonl', 'spool-000000000002.jsonl']);
    expect(await readIds(dir)).toEqual([...before, ...after].map((event) => event.id));
  });

  it('rotates segments at segmentBytes', async () => {
    const lineBytes = Buffer.byteLength(`${JSON.stringify(makeStatementEvent())}\n`);
    const segmentBytes = lineBytes * 5;
    const spool = await AuditSpool.open(dir, { segmentBytes });
    const events = Array.from({ length: 23 }, () => makeStatementEvent());
    for (const event of events) await spool.append(event);
    await spool.close();

    const names = await segmentNames(dir);
    expect(names).toHaveLength(5);
    expect(spool.stats.segments).toBe(5);
    for (const name of names) expect((await stat(join(dir, name))).size).toBeLessThanOrEqual(segmentBytes);
    expect(await readIds(dir)).toEqual(events.map((event) => event.id));
  });

  it('skips a torn last line and never throws on it', async () => {
    const spool = await AuditSpool.open(dir);
    const events = [makeStatementEvent(), makeStatementEvent()];
    for (const event of events) await spool.append(event);
    await spool.close();
    const [segment] = await segmentNames(dir);
    // What a crash mid-write leaves: the start of a line, no newline.
    await appendFile(join(dir, segment ?? ''), JSON.stringify(makeStatementEvent()).slice(0, 57));
    expect(await readIds(dir)).toEqual(events.map((event) => event.id));

    // The next run writes a new segment; the torn line is now known to be dead and is reported.
    const restarted = await AuditSpool.open(dir);
    const later = makeStatementEvent();
    await restarted.append(later);
    await restarted.close();
    const skipped: SkippedLine[] = [];
    expect(await readIds(dir, (line) => skipped.push(line))).toEqual([...events, later].map((event) => event.id));
    expect(skipped).toEqual([expect.objectContaining({ reason: 'torn last line' })]);
  });

  it('skips and reports lines that are not events instead of throwing', async () => {
    const spool = await AuditSpool.open(dir);
    const first = makeStatementEvent();
    await spool.append(first);
    await spool.close();
    const [segment] = await segmentNames(dir);
    await appendFile(join(dir, segment ?? ''), '\0\0\0garbage\n{"id":"not-an-event"}\n');
    const reopened = await AuditSpool.open(dir);
    const last = makeStatementEvent();
    await reopened.append(last);
    await reopened.close();

    const skipped: SkippedLine[] = [];
    expect(await readIds(dir, (line) => skipped.push(line))).toEqual([first.id, last.id]);
    expect(skipped.map((line) => line.reason)).toEqual(['not JSON', expect.stringMatching(/^not an audit event/)]);
  });

  it('durable: concurrent appends share fsyncs (group commit)', async () => {
    const spool = await AuditSpool.open(dir, { durability: 'durable' });
    const events = Array.from({ length: 300 }, () => makeStatementEvent());
    await Promise.all(events.map((event) => spool.append(event)));
    const { fsyncs, batches, appends } = spool.stats;
    await spool.close();

    expect(appends).toBe(300);
    expect(fsyncs).toBeGreaterThanOrEqual(1);
    // The first append goes alone; everything queued behind its fsync rides the next one or two.
    expect(fsyncs).toBeLessThanOrEqual(10);
    expect(batches).toBe(fsyncs);
    expect(await readIds(dir)).toEqual(events.map((event) => event.id));
  });

  it('durable: an append resolves only after its fdatasync', async () => {
    const spool = await AuditSpool.open(dir, { durability: 'durable' });
    for (let i = 1; i <= 5; i++) {
      await spool.append(makeStatementEvent());
      expect(spool.stats.fsyncs).toBe(i);
    }
    await spool.close();
  });

  it('buffered: resolves before the fsync, and fsyncs within groupCommitMs', async () => {
    const spool = await AuditSpool.open(dir, { durability: 'buffered', groupCommitMs: 50 });
    await spool.append(makeStatementEvent());
    expect(spool.stats.fsyncs).toBe(0);
    const waitedMs = await waitFor(() => spool.stats.fsyncs === 1, 1000);
    // 50 ms plus scheduling slack on a busy two-core machine.
    expect(waitedMs).toBeLessThan(150);
    // Appends spread over several windows still fsync once per window, not once per append.
    for (let i = 0; i < 20; i++) await spool.append(makeStatementEvent());
    await waitFor(() => spool.stats.fsyncs >= 2, 1000);
    expect(spool.stats.fsyncs).toBeLessThanOrEqual(3);
    await spool.close();
    expect(await readIds(dir)).toHaveLength(21);
  });

  it('buffered: the fsync really waits for groupCommitMs, and close flushes', async () => {
    const spool = await AuditSpool.open(dir, { durability: 'buffered', groupCommitMs: 10_000 });
    await spool.append(makeStatementEvent());
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(spool.stats.fsyncs).toBe(0);
    await spool.close();
    expect(spool.stats.fsyncs).toBe(1);
  });

  it('buffered: appendNow has written its line when it returns, across synchronous segment rotation', async () => {
    const lineBytes = Buffer.byteLength(`${JSON.stringify(makeStatementEvent())}\n`);
    const spool = await AuditSpool.open(dir, { durability: 'buffered', segmentBytes: 3 * lineBytes, groupCommitMs: 5 });
    const fdsBefore = (await readdir('/proc/self/fd')).length;
    const events = Array.from({ length: 10 }, () => makeStatementEvent());
    for (const [i, event] of events.entries()) {
      spool.appendNow(event);
      // No await since the call: the line is already in a file a kill -9 would leave behind.
      const onDisk = readdirSync(dir)
        .filter((name) => name.endsWith('.jsonl'))
        .sort()
        .map((name) => readFileSync(join(dir, name), 'utf8'))
        .join('');
      expect(onDisk.trimEnd().split('\n').map((line) => (JSON.parse(line) as AuditEvent).id)).toEqual(events.slice(0, i + 1).map((e) => e.id));
    }
    expect(await segmentNames(dir)).toHaveLength(4);
    // The rotated-out segments are fsync'ed and closed by the writer loop, not leaked.
    await waitFor(() => spool.stats.fsyncs >= 4, 2000);
    await spool.close();
    expect((await readdir('/proc/self/fd')).length).toBeLessThanOrEqual(fdsBefore);
    expect(await readIds(dir)).toEqual(events.map((e) => e.id));
  });

  it('buffered: appendNow throws at once when the next segment cannot be created, and recovers through probe()', async () => {
    const lineBytes = Buffer.byteLength(`${JSON.stringify(makeStatementEvent())}\n`);
    const spool = await AuditSpool.open(dir, { durability: 'buffered', segmentBytes: lineBytes });
    const kept = makeStatementEvent();
    spool.appendNow(kept);
    const moved = join(root, 'spool-moved');
    await rename(dir, moved);
    await writeFile(dir, 'x');
    expect(() => spool.appendNow(makeStatementEvent())).toThrow(SpoolUnavailableError);
    expect(spool.healthy).toBe(false);
    expect(spool.failureCode).toBe('ENOTDIR');
    await rm(dir);
    await rename(moved, dir);
    expect(await spool.probe()).toBe(true);
    const after = makeStatementEvent();
    spool.appendNow(after);
    await spool.close();
    expect(await readIds(dir)).toEqual([kept.id, after.id]);
  });

  it('refuses appendNow on a durable spool, which must fsync before acknowledging', async () => {
    const spool = await AuditSpool.open(dir, { durability: 'durable' });
    expect(() => spool.appendNow(makeStatementEvent())).toThrow(/buffered/);
    await spool.close();
  });

  it('refuses to open a directory that cannot exist (its parent is a regular file)', async () => {
    const blocker = join(root, 'not-a-directory');
    await writeFile(blocker, 'x');
    const opening = AuditSpool.open(join(blocker, 'spool'));
    await expect(opening).rejects.toBeInstanceOf(SpoolUnavailableError);
    await expect(opening).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it('fails closed on a write-path error and recovers only through probe()', async () => {
    const lineBytes = Buffer.byteLength(`${JSON.stringify(makeStatementEvent())}\n`);
    // Every append needs a new segment, so every append touches the directory.
    const spool = await AuditSpool.open(dir, { segmentBytes: lineBytes });
    const kept = makeStatementEvent();
    await spool.append(kept);

    // Swap the directory for a regular file: creating the next segment fails, even as root.
    const moved = join(root, 'spool-moved');
    await rename(dir, moved);
    await writeFile(dir, 'x');
    const refused = makeStatementEvent();
    await expect(spool.append(refused)).rejects.toMatchObject({ name: 'SpoolUnavailableError', code: 'ENOTDIR' });
    expect(spool.healthy).toBe(false);
    await expect(spool.append(makeStatementEvent())).rejects.toBeInstanceOf(SpoolUnavailableError);
    expect(await spool.probe()).toBe(false);
    expect(spool.healthy).toBe(false);

    await rm(dir);
    await rename(moved, dir);
    expect(await spool.probe()).toBe(true);
    expect(spool.healthy).toBe(true);
    const after = makeStatementEvent();
    await spool.append(after);
    await spool.close();
    expect(await readIds(dir)).toEqual([kept.id, after.id]);
  });

  it('rejects a malformed event without writing it or failing the spool', async () => {
    const spool = await AuditSpool.open(dir);
    const { statement: _omitted, ...withoutStatement } = makeStatementEvent();
    await expect(spool.append(withoutStatement as AuditEvent)).rejects.toBeInstanceOf(ZodError);
    expect(spool.healthy).toBe(true);
    const good = makeStatementEvent();
    await spool.append(good);
    await spool.close();
    expect(await readIds(dir)).toEqual([good.id]);
  });

  it('writes everything queued before close, and refuses appends after it', async () => {
    const spool = await AuditSpool.open(dir);
    const events = Array.from({ length: 20 }, () => makeStatementEvent());
    const appended = Promise.all(events.map((event) => spool.append(event)));
    await spool.close();
    await appended;
    await expect(spool.append(makeStatementEvent())).rejects.toMatchObject({ code: 'ESPOOLCLOSED' });
    expect(spool.healthy).toBe(false);
    expect(await readIds(dir)).toEqual(events.map((event) => event.id));
  });

  it('creates the spool directory private to the user', async () => {
    const spool = await AuditSpool.open(dir);
    await spool.append(makeStatementEvent());
    await spool.close();
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const [segment] = await segmentNames(dir);
    expect((await stat(join(dir, segment ?? ''))).mode & 0o777).toBe(0o600);
  });
});
