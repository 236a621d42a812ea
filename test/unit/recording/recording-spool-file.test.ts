import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingSpoolFile } from '../../../broker/recording/recording-spool-file.ts';
import { END_FILE, EVENTS_FILE } from '../../../broker/recording/recording-spool-layout.ts';
import { parseRecords, recordHead } from '../../../broker/recording/spool-records.ts';
import type { SpoolRecordCode } from '../../../broker/recording/spool-records.ts';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function spool(): RecordingSpoolFile {
  const root = mkdtempSync(join(tmpdir(), 'gatehouse-spool-file-'));
  roots.push(root);
  return RecordingSpoolFile.create(root, {
    version: 1,
    id: crypto.randomUUID(),
    sessionId: 's-1',
    user: 'alice',
    connection: 'bastion',
    host: 'bastion.internal:22',
    channel: 0,
    kind: 'exec',
    command: 'head -c 1000 /dev/zero',
    startedAt: new Date().toISOString(),
    pid: process.pid,
  });
}

describe('RecordingSpoolFile', () => {
  it('writes every record byte for byte: head, then the payload as given, binary and multi-byte alike', async () => {
    const file = spool();
    const records: [SpoolRecordCode, number, Buffer][] = [
      ['h', 0, Buffer.from('{"version":2,"width":80,"height":24}')],
      ['o', 0.5, Buffer.from('é€𝄞 日本 🚀\r\n', 'utf8')],
      ['o', 1, Buffer.alloc(40_000)],
      ['o', 1.25, Buffer.from('x'.repeat(300_000))],
      ['r', 2, Buffer.from('132x43')],
    ];
    for (const [code, seconds, payload] of records) expect(file.append([recordHead(code, seconds, payload.length), payload])).toBe(true);
    await file.finish({ endedAt: new Date().toISOString(), exitStatus: 0 });
    const written = readFileSync(join(file.dir, EVENTS_FILE));
    expect(written).toEqual(Buffer.concat(records.flatMap(([code, seconds, payload]) => [recordHead(code, seconds, payload.length), payload])));
    const parsed = parseRecords(written);
    expect(parsed.consumed).toBe(written.length);
    expect(parsed.records.map(({ code, seconds, payload }) => [code, seconds, Buffer.from(payload)])).toEqual(records);
    expect(JSON.parse(readFileSync(join(file.dir, END_FILE), 'utf8'))).toMatchObject({ exitStatus: 0 });
  });

  it('takes no records once finished, and says so', async () => {
    const file = spool();
    const header = Buffer.from('{"version":2,"width":80,"height":24}');
    expect(file.append([recordHead('h', 0, header.length), header])).toBe(true);
    await file.finish({ endedAt: new Date().toISOString(), exitStatus: null });
    expect(file.append([recordHead('o', 0, 4), Buffer.from('late')])).toBe(false);
    expect(readFileSync(join(file.dir, EVENTS_FILE))).toEqual(Buffer.concat([recordHead('h', 0, header.length), header]));
  });
});
