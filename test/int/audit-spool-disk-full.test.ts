import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../shared/audit/audit-event.ts';
import { AuditSpool, SpoolUnavailableError, readSpool } from '../../broker/audit/audit-spool.ts';
import type { SkippedLine } from '../../broker/audit/spool-cursor.ts';
import { makeStatementEvent } from '../unit/audit/make-audit-event.ts';

// A real, tiny file system: the disk-full path must be exercised by the kernel, not simulated.
let mountPoint: string;

beforeAll(async () => {
  mountPoint = await mkdtemp(join(tmpdir(), 'gatehouse-spool-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', mountPoint]);
});

afterAll(async () => {
  execFileSync('umount', [mountPoint]);
  await rmdir(mountPoint);
});

function bigStatement(): AuditEvent {
  const text = `SELECT * FROM orders WHERE note = '${'x'.repeat(1000)}'`;
  return makeStatementEvent({ statement: { text, fingerprint: 'f00d', class: 'read', protocol: 'simple' } });
}

/** Writes zeros until the file system refuses; returns how much it took. */
function fillFileSystem(path: string): number {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(4096);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (err) {
    expect(err).toMatchObject({ code: 'ENOSPC' });
  } finally {
    closeSync(fd);
  }
  return written;
}

async function readBack(dir: string): Promise<{ ids: string[]; skipped: SkippedLine[] }> {
  const ids: string[] = [];
  const skipped: SkippedLine[] = [];
  for await (const event of readSpool(dir, { onSkippedLine: (line) => skipped.push(line) })) ids.push(event.id);
  return { ids, skipped };
}

describe('AuditSpool on a full disk', () => {
  it('refuses with ENOSPC, keeps every acknowledged event intact, and recovers through probe()', async () => {
    const dir = join(mountPoint, 'spool');
    const filler = join(mountPoint, 'filler');
    const spool = await AuditSpool.open(dir, { durability: 'durable' });
    const acknowledged: string[] = [];
    for (let i = 0; i < 20; i++) {
      const event = bigStatement();
      await spool.append(event);
      acknowledged.push(event.id);
    }

    expect(fillFileSystem(filler)).toBeGreaterThan(0);
    // A burst bigger than whatever is left in the segment's last page: some of it may land,
    // the rest must fail — possibly after a short write — and be cut back off the segment.
    const burst = Array.from({ length: 100 }, () => bigStatement());
    const outcomes = await Promise.allSettled(burst.map((event) => spool.append(event)));
    const landed = burst.filter((_, i) => outcomes[i]?.status === 'fulfilled').map((event) => event.id);
    const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(SpoolUnavailableError);
      expect(failure).toMatchObject({ code: 'ENOSPC' });
    }
    // Events are acknowledged in order: whatever landed is a prefix of the burst.
    expect(landed).toEqual(burst.slice(0, landed.length).map((event) => event.id));
    acknowledged.push(...landed);

    expect(spool.healthy).toBe(false);
    await expect(spool.append(makeStatementEvent())).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await spool.probe()).toBe(false);

    const whileFull = await readBack(dir);
    expect(whileFull.ids).toEqual(acknowledged);
    expect(whileFull.skipped).toEqual([]);

    await rm(filler);
    expect(await spool.probe()).toBe(true);
    expect(spool.healthy).toBe(true);
    for (let i = 0; i < 5; i++) {
      const event = bigStatement();
      await spool.append(event);
      acknowledged.push(event.id);
    }
    await spool.close();

    const recovered = await readBack(dir);
    expect(recovered.ids).toEqual(acknowledged);
    expect(recovered.skipped).toEqual([]);
    await rm(dir, { recursive: true });
  });

  it('buffered: appendNow throws ENOSPC before returning, cuts the torn tail, and recovers through probe()', async () => {
    const dir = join(mountPoint, 'buffered-spool');
    const filler = join(mountPoint, 'buffered-filler');
    const spool = await AuditSpool.open(dir, { durability: 'buffered' });
    const acknowledged: string[] = [];
    for (let i = 0; i < 20; i++) {
      const event = bigStatement();
      spool.appendNow(event);
      acknowledged.push(event.id);
    }
    expect(fillFileSystem(filler)).toBeGreaterThan(0);
    let failure: unknown;
    for (let i = 0; i < 100 && failure === undefined; i++) {
      const event = bigStatement();
      try {
        spool.appendNow(event);
        acknowledged.push(event.id);
      } catch (err) {
        failure = err;
      }
    }
    expect(failure).toBeInstanceOf(SpoolUnavailableError);
    expect(failure).toMatchObject({ code: 'ENOSPC' });
    expect(spool.healthy).toBe(false);
    expect(() => spool.appendNow(bigStatement())).toThrow(SpoolUnavailableError);

    const whileFull = await readBack(dir);
    expect(whileFull.ids).toEqual(acknowledged);
    expect(whileFull.skipped).toEqual([]);

    await rm(filler);
    expect(await spool.probe()).toBe(true);
    const after = bigStatement();
    spool.appendNow(after);
    acknowledged.push(after.id);
    await spool.close();
    expect((await readBack(dir)).ids).toEqual(acknowledged);
    await rm(dir, { recursive: true });
  });

  it('refuses with EROFS on a read-only file system and recovers when it is writable again', async () => {
    const dir = join(mountPoint, 'ro-spool');
    const spool = await AuditSpool.open(dir);
    // No segment is open yet, so the kernel lets the file system go read-only under the spool.
    execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
    try {
      await expect(spool.append(makeStatementEvent())).rejects.toMatchObject({
        name: 'SpoolUnavailableError',
        code: 'EROFS',
      });
      expect(spool.healthy).toBe(false);
      expect(await spool.probe()).toBe(false);
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mountPoint]);
    }
    expect(await spool.probe()).toBe(true);
    const event = makeStatementEvent();
    await spool.append(event);
    await spool.close();
    expect((await readBack(dir)).ids).toEqual([event.id]);
  });
});
