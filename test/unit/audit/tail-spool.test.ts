import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditSpool } from '../../../broker/audit/audit-spool.ts';
import { tailSpool } from '../../../broker/audit/tail-spool.ts';
import { makeStatementEvent } from './make-audit-event.ts';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'gatehouse-tail-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function collect(): { out: PassThrough; lines: () => string[] } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return { out, lines: () => text.split('\n').filter((line) => line !== '') };
}

async function waitFor(condition: () => boolean): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > 5000) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('tailSpool', () => {
  it('prints every event once and returns when not following', async () => {
    const spool = await AuditSpool.open(root);
    const events = [makeStatementEvent(), makeStatementEvent({ decision: 'block' })];
    for (const event of events) await spool.append(event);
    await spool.close();
    const { out, lines } = collect();
    await tailSpool(root, { follow: false, out });
    expect(lines()).toHaveLength(2);
    expect(lines()[0]).toContain(`#${events[0]?.id.slice(-8)}`);
    expect(lines()[1]).toContain('BLOCK');
  });

  it('follows new events across segment rotation until aborted', async () => {
    const lineBytes = Buffer.byteLength(`${JSON.stringify(makeStatementEvent())}\n`);
    const spool = await AuditSpool.open(root, { segmentBytes: lineBytes * 2 });
    await spool.append(makeStatementEvent());
    const { out, lines } = collect();
    const abort = new AbortController();
    const tailing = tailSpool(root, { follow: true, out, signal: abort.signal, pollMs: 10 });
    await waitFor(() => lines().length === 1);

    const later = Array.from({ length: 7 }, () => makeStatementEvent());
    for (const event of later) await spool.append(event);
    await waitFor(() => lines().length === 8);
    expect(spool.stats.segments).toBe(4);
    expect(lines().slice(1).map((line) => line.match(/#([0-9a-f]{8})/)?.[1])).toEqual(later.map((event) => event.id.slice(-8)));

    abort.abort();
    await tailing;
    await spool.close();
  });
});
