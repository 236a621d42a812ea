import { appendFile, copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../shared/audit/audit-event.ts';
import { AuditSpool } from '../../../broker/audit/audit-spool.ts';
import { SpoolShipper, type ShipperLog } from '../../../broker/audit/spool-shipper.ts';
import { segmentFileName } from '../../../broker/audit/spool-segments.ts';
import { ServerUnreachableError } from '../../../broker/server-client/server-api-errors.ts';
import type { AuditIngestBatch, AuditIngestResponse } from '../../../broker/server-client/api-client.ts';
import type { Logger } from '../../../broker/log.ts';
import { makeStatementEvent } from '../audit/make-audit-event.ts';

// The broker hands its pino logger to the shipper.
const pinoFits: Logger extends ShipperLog ? true : false = true;

/** The server side of ingest as the contract says: idempotent by event id, order of arrival kept. */
class FakeIngest {
  readonly stored = new Map<string, AuditEvent>();
  readonly order: string[] = [];
  readonly batches: string[][] = [];
  duplicates = 0;
  failuresToInject = 0;
  calls = 0;

  ingestAudit = async (batch: AuditIngestBatch): Promise<AuditIngestResponse> => {
    this.calls++;
    if (this.failuresToInject > 0) {
      this.failuresToInject--;
      throw new ServerUnreachableError('http://127.0.0.1:1', new Error('connect ECONNREFUSED'));
    }
    expect(batch.brokerId).toBe('broker-1');
    this.batches.push(batch.events.map((e) => e.id));
    let accepted = 0;
    for (const event of batch.events) {
      if (this.stored.has(event.id)) {
        this.duplicates++;
        continue;
      }
      this.stored.set(event.id, event as AuditEvent);
      this.order.push(event.id);
      accepted++;
    }
    return { accepted, duplicates: batch.events.length - accepted };
  };
}

const warnings: { obj: object; msg: string }[] = [];
const log: ShipperLog = {
  info: () => undefined,
  warn: (obj, msg) => warnings.push({ obj, msg }),
};

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-shipper-'));
  warnings.length = 0;
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function spoolEvents(count: number, segmentBytes = 2048): Promise<string[]> {
  const spool = await AuditSpool.open(dir, { segmentBytes });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const event = makeStatementEvent({ sessionId: `s-${i}` });
    await spool.append(event);
    ids.push(event.id);
  }
  await spool.close();
  return ids;
}

async function segmentsOnDisk(): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith('spool-')).sort();
}

function shipper(api: FakeIngest, overrides: Partial<ConstructorParameters<typeof SpoolShipper>[0]> = {}): SpoolShipper {
  return new SpoolShipper({ spoolDir: dir, api, brokerId: 'broker-1', batchSize: 7, intervalMs: 5, maxBackoffMs: 20, log, ...overrides });
}

describe('SpoolShipper', () => {
  it('accepts the broker logger', () => {
    expect(pinoFits).toBe(true);
  });

  it('ships every event once, in write order, in batches of at most batchSize', async () => {
    const ids = await spoolEvents(40);
    expect((await segmentsOnDisk()).length).toBeGreaterThan(3);
    const api = new FakeIngest();
    await shipper(api).flush();
    expect(api.order).toEqual(ids);
    expect(api.duplicates).toBe(0);
    expect(api.batches.every((b) => b.length <= 7)).toBe(true);
    expect(api.batches.flat()).toEqual(ids);
  });

  it('deletes fully shipped segments but keeps the newest one', async () => {
    await spoolEvents(40);
    const before = await segmentsOnDisk();
    await shipper(new FakeIngest()).flush();
    expect(await segmentsOnDisk()).toEqual([before.at(-1)]);
    const cursor = JSON.parse(await readFile(join(dir, 'shipped.json'), 'utf8')) as { segment: string; offset: number };
    expect(cursor.segment).toBe(before.at(-1));
  });

  it('resumes from its cursor after a restart without losing or repeating events', async () => {
    const first = await spoolEvents(12);
    const api = new FakeIngest();
    await shipper(api).flush();
    // The broker restarts, writes more, and a new shipper takes over the same directory.
    const second = await spoolEvents(15);
    await shipper(api).flush();
    expect(api.order).toEqual([...first, ...second]);
    expect(api.batches.flat()).toEqual([...first, ...second]);
    expect(api.duplicates).toBe(0);
  });

  it('re-sends the last batch after a crash between the ack and the cursor write, and the server keeps one copy', async () => {
    const first = await spoolEvents(5, 1 << 20);
    const api = new FakeIngest();
    await shipper(api).flush();
    await copyFile(join(dir, 'shipped.json'), join(dir, 'cursor-before'));
    const second = await spoolEvents(5, 1 << 20);
    await shipper(api).flush();
    // As if the process died after the server acknowledged `second` but before shipped.json moved.
    await copyFile(join(dir, 'cursor-before'), join(dir, 'shipped.json'));
    await shipper(api).flush();
    expect(api.batches.flat()).toEqual([...first, ...second, ...second]);
    expect(api.duplicates).toBe(second.length);
    expect(api.order).toEqual([...first, ...second]);
  });

  it('does not move the cursor when the server fails, and flush reports the failure', async () => {
    const ids = await spoolEvents(10);
    const api = new FakeIngest();
    api.failuresToInject = 1;
    const s = shipper(api);
    await expect(s.flush()).rejects.toBeInstanceOf(ServerUnreachableError);
    await expect(readFile(join(dir, 'shipped.json'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
    await s.flush();
    expect(api.order).toEqual(ids);
    expect(api.duplicates).toBe(0);
  });

  it('keeps retrying with backoff in the background until the server takes the batch', async () => {
    const ids = await spoolEvents(20);
    const api = new FakeIngest();
    api.failuresToInject = 3;
    const s = shipper(api);
    s.start();
    await expect.poll(() => api.order.length, { timeout: 5000 }).toBe(20);
    await s.stop();
    expect(api.order).toEqual(ids);
    expect(api.calls).toBeGreaterThanOrEqual(3 + Math.ceil(20 / 7));
    expect(s.stats.failures).toBe(0);
    expect(warnings.filter((w) => w.msg.includes('will retry'))).toHaveLength(3);
  });

  it('ships events appended while it runs', async () => {
    const spool = await AuditSpool.open(dir, { segmentBytes: 4096 });
    const api = new FakeIngest();
    const s = shipper(api);
    s.start();
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const event = makeStatementEvent();
      await spool.append(event);
      ids.push(event.id);
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 10));
    }
    await expect.poll(() => api.order.length, { timeout: 5000 }).toBe(30);
    await s.stop();
    await spool.close();
    expect(api.order).toEqual(ids);
    expect(api.duplicates).toBe(0);
  });

  it('holds back an unterminated last line until it is complete', async () => {
    const a = makeStatementEvent();
    const b = makeStatementEvent();
    const path = join(dir, segmentFileName(1));
    const lineB = JSON.stringify(b);
    await writeFile(path, `${JSON.stringify(a)}\n${lineB.slice(0, 40)}`);
    const api = new FakeIngest();
    const s = shipper(api);
    await s.flush();
    expect(api.order).toEqual([a.id]);
    await appendFile(path, `${lineB.slice(40)}\n`);
    await s.flush();
    expect(api.order).toEqual([a.id, b.id]);
  });

  it('skips a torn line at the end of an older segment and carries on with the next', async () => {
    const a = makeStatementEvent();
    const b = makeStatementEvent();
    await writeFile(join(dir, segmentFileName(1)), `${JSON.stringify(a)}\n{"id":"torn`);
    await writeFile(join(dir, segmentFileName(2)), `${JSON.stringify(b)}\n`);
    const api = new FakeIngest();
    const s = shipper(api);
    await s.flush();
    expect(api.order).toEqual([a.id, b.id]);
    expect(s.stats.skippedLines).toBe(1);
    expect(warnings.some((w) => w.msg.includes('torn'))).toBe(true);
  });

  it('passes over a damaged line in the middle without stalling the events after it', async () => {
    const a = makeStatementEvent();
    const b = makeStatementEvent();
    await writeFile(join(dir, segmentFileName(1)), `${JSON.stringify(a)}\n{"not":"an event"}\n${JSON.stringify(b)}\n`);
    const api = new FakeIngest();
    const s = shipper(api);
    await s.flush();
    expect(api.order).toEqual([a.id, b.id]);
    expect(s.stats.skippedLines).toBe(1);
  });

  it('re-ships from the start when the cursor file is unreadable (idempotent ingest absorbs it)', async () => {
    const ids = await spoolEvents(5, 1 << 20);
    const api = new FakeIngest();
    await shipper(api).flush();
    await writeFile(join(dir, 'shipped.json'), 'garbage');
    await shipper(api).flush();
    expect(api.order).toEqual(ids);
    expect(api.duplicates).toBe(5);
  });

  it('stop() ends a backoff wait promptly', async () => {
    await spoolEvents(3);
    const api = new FakeIngest();
    api.failuresToInject = 1000;
    const s = shipper(api, { intervalMs: 10_000, maxBackoffMs: 60_000 });
    s.start();
    await expect.poll(() => api.calls).toBeGreaterThan(0);
    const started = Date.now();
    await s.stop();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
