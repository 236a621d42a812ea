import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpoolRecordWriter } from '../../../broker/recording/spool-record-writer.ts';
import { castEventOf, parseRecords } from '../../../broker/recording/spool-records.ts';
import type { SpoolRecord } from '../../../broker/recording/spool-records.ts';
import { castEventSchema, castHeaderSchema } from '../../../shared/api/recordings.ts';
import type { CastEvent } from '../../../shared/api/recordings.ts';

/** A writer on a hand-driven clock, and the records it wrote, read back as the uploader reads them. */
function harness(): { writer: SpoolRecordWriter; records: () => SpoolRecord[]; events: () => CastEvent[]; advance: (ms: number) => void } {
  const written: Buffer[] = [];
  let now = 1000;
  // The parts are only valid during the call, as with the spool file: copy them.
  const writer = new SpoolRecordWriter((parts) => written.push(Buffer.concat(parts)), () => now);
  writer.header({ width: 100, height: 30, env: { TERM: 'xterm-256color' }, timestamp: 1_700_000_000 });
  const records = (): SpoolRecord[] => {
    const all = Buffer.concat(written);
    const parsed = parseRecords(all);
    expect(parsed.consumed).toBe(all.length);
    return parsed.records;
  };
  return {
    writer,
    records,
    events: () => records().slice(1).map((record) => castEventSchema.parse(castEventOf(record))),
    advance: (ms) => {
      now += ms;
    },
  };
}

describe('SpoolRecordWriter', () => {
  it('writes a v2 header with the real size and environment, then one record per event', () => {
    const { writer, records, events, advance } = harness();
    advance(1500);
    writer.output(Buffer.from('hello\r\n'));
    const [header] = records();
    expect(header?.code).toBe('h');
    expect(castHeaderSchema.parse(JSON.parse(header!.payload.toString('utf8')))).toEqual({ version: 2, width: 100, height: 30, timestamp: 1_700_000_000, env: { TERM: 'xterm-256color' } });
    expect(events()).toEqual([[1.5, 'o', 'hello\r\n']]);
  });

  it('keeps output as the bytes that came: binary output costs its own size, not six bytes per control byte', () => {
    const { writer, records } = harness();
    const zeros = Buffer.alloc(32_768);
    writer.output(zeros);
    const [, output] = records();
    expect(output).toMatchObject({ code: 'o' });
    expect(Buffer.from(output!.payload)).toEqual(zeros);
    expect(castEventOf(output!)[2]).toBe('\0'.repeat(32_768));
  });

  it('decodes to exactly what one streaming decoder makes of the whole session, wherever the bytes are cut', () => {
    const utf8ish = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }).map((text) => new Uint8Array(Buffer.from(text, 'utf8'))),
      fc.constantFrom(...[[0xe0, 0x80], [0xed, 0xa0, 0x80], [0xf0, 0x8f], [0xf4, 0x90], [0xf0, 0x9f, 0x9a], [0xc3], [0xe2, 0x82]].map((bytes) => new Uint8Array(bytes))),
    );
    fc.assert(
      fc.property(fc.array(utf8ish, { maxLength: 12 }), (pieces) => {
        const { writer, events } = harness();
        for (const piece of pieces) writer.output(piece);
        writer.finish();
        const expected = new TextDecoder().decode(Buffer.concat(pieces));
        expect(events().map(([, , data]) => data).join('')).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('times events in seconds since the header, to the microsecond, never backwards', () => {
    const { writer, events, advance } = harness();
    advance(0.0004);
    writer.output(Buffer.from('a'));
    advance(1234.5678);
    writer.output(Buffer.from('b'));
    advance(-5); // a clock that steps back must not reorder the recording
    writer.output(Buffer.from('c'));
    expect(events().map(([t]) => t)).toEqual([0, 1.234568, 1.234568]);
  });

  it('never splits a multi-byte character, wherever the bytes are cut', () => {
    const text = 'é€𝄞日本🚀 done';
    const bytes = Buffer.from(text, 'utf8');
    for (let cut1 = 1; cut1 < bytes.length; cut1++) {
      for (let cut2 = cut1 + 1; cut2 <= bytes.length; cut2++) {
        const { writer, events } = harness();
        writer.output(bytes.subarray(0, cut1));
        writer.output(bytes.subarray(cut1, cut2));
        writer.output(bytes.subarray(cut2));
        writer.finish();
        const written = events();
        // Every event is valid text on its own: no U+FFFD, no lone surrogate.
        for (const [, , data] of written) {
          expect(data).not.toContain('\ufffd');
          expect(Buffer.from(data, 'utf8').toString('utf8')).toBe(data);
        }
        expect(written.map(([, , data]) => data).join('')).toBe(text);
      }
    }
  });

  it('keeps output and input decoding apart: a character split in one direction waits for that direction', () => {
    const { writer, events } = harness();
    const euro = Buffer.from('€', 'utf8');
    writer.output(euro.subarray(0, 1));
    writer.input(Buffer.from('ü', 'utf8').subarray(0, 1));
    writer.input(Buffer.from('ü', 'utf8').subarray(1));
    writer.output(euro.subarray(1));
    expect(events().map(([, code, data]) => [code, data])).toEqual([
      ['i', 'ü'],
      ['o', '€'],
    ]);
  });

  it('turns invalid bytes into U+FFFD and flushes an incomplete character at the end', () => {
    const { writer, events } = harness();
    writer.output(Buffer.from([0x61, 0xff, 0x62]));
    writer.output(Buffer.from([0xe2, 0x82]));
    writer.finish();
    expect(events().map(([, , data]) => data)).toEqual(['a\ufffdb', '\ufffd']);
  });

  it('records resizes as COLSxROWS and markers as m events, in order with the output', () => {
    const { writer, events, advance } = harness();
    writer.output(Buffer.from('$ '));
    advance(200);
    writer.resize(132, 43);
    writer.marker('exec: uptime');
    advance(100);
    writer.output(Buffer.from('up 3 days\r\n'));
    expect(events()).toEqual([
      [0, 'o', '$ '],
      [0.2, 'r', '132x43'],
      [0.2, 'm', 'exec: uptime'],
      [0.3, 'o', 'up 3 days\r\n'],
    ]);
  });

  it('writes no event for bytes that complete nothing yet', () => {
    const { writer, records } = harness();
    writer.output(Buffer.from([0xf0, 0x9f]));
    expect(records()).toHaveLength(1);
  });
});
