import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SpoolFormatError, castEventOf, parseRecords, readCompleteRecords, readSpoolHeader, recordHead } from '../../../broker/recording/spool-records.ts';
import type { SpoolRecordCode } from '../../../broker/recording/spool-records.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

function record(code: SpoolRecordCode, seconds: number, payload: string | Buffer): Buffer {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return Buffer.concat([recordHead(code, seconds, bytes.length), bytes]);
}

async function spoolFile(bytes: Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-spool-records-'));
  dirs.push(dir);
  const path = join(dir, 'events.rec');
  await writeFile(path, bytes);
  return path;
}

const header = record('h', 0, '{"version":2,"width":80,"height":24}');

describe('spool records', () => {
  it('reads only complete records: one torn by a crash, at any byte, is left for later', () => {
    const whole = Buffer.concat([record('o', 0.1, 'one'), record('o', 0.2, 'two')]);
    const firstLength = record('o', 0.1, 'one').length;
    for (let cut = 0; cut <= whole.length; cut++) {
      const { records, consumed } = parseRecords(whole.subarray(0, cut));
      const expected = cut === whole.length ? 2 : cut >= firstLength ? 1 : 0;
      expect(records).toHaveLength(expected);
      expect(consumed).toBe(expected === 2 ? whole.length : expected === 1 ? firstLength : 0);
    }
  });

  it('stops before maxBytes and maxRecords, but returns a longer first record whole', async () => {
    const big = record('o', 1, Buffer.alloc(10_000, 0x61));
    const path = await spoolFile(Buffer.concat([header, big, record('r', 2, '100x30'), record('m', 2, 'exec: ls')]));
    const opening = await readSpoolHeader(path);
    expect(opening).toEqual({ header: { version: 2, width: 80, height: 24 }, firstEvent: header.length });
    const first = await readCompleteRecords(path, opening!.firstEvent, 4096, 100);
    expect(first.records.map(castEventOf)).toEqual([[1, 'o', 'a'.repeat(10_000)]]);
    const rest = await readCompleteRecords(path, first.end, 4096, 1);
    expect(rest.records.map(castEventOf)).toEqual([[2, 'r', '100x30']]);
    const last = await readCompleteRecords(path, rest.end, 4096, 100);
    expect(last.records.map(castEventOf)).toEqual([[2, 'm', 'exec: ls']]);
    expect((await readCompleteRecords(path, last.end, 4096, 100)).end).toBe(last.end);
  });

  it('refuses bytes that are not records with a clear error, rather than reading on', () => {
    expect(() => parseRecords(Buffer.concat([record('o', 0, 'ok'), Buffer.from('{"not":"a record"}')]))).toThrow(SpoolFormatError);
    expect(() => parseRecords(Buffer.concat([record('o', 0, 'ok'), Buffer.from('{"not":"a record"}')]))).toThrow(/byte 15 of the recording spool opens no record \(0x7b\)/);
    const huge = recordHead('o', 0, 0xffff_fff0);
    expect(() => parseRecords(huge)).toThrow(/claims 4294967280 bytes/);
    expect(() => castEventOf({ code: 'h', seconds: 0, payload: Buffer.alloc(0) })).toThrow(SpoolFormatError);
  });

  it('has no header until its record is complete, and refuses a file that opens with an event', async () => {
    expect(await readSpoolHeader(join(tmpdir(), 'gatehouse-no-such-spool', 'events.rec'))).toBeNull();
    expect(await readSpoolHeader(await spoolFile(header.subarray(0, header.length - 1)))).toBeNull();
    await expect(readSpoolHeader(await spoolFile(record('o', 0, 'x')))).rejects.toThrow(/opens with a 'o' record, not its header/);
  });
});
