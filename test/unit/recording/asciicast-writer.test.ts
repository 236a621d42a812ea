import { describe, expect, it } from 'vitest';
import { AsciicastWriter } from '../../../broker/recording/asciicast-writer.ts';
import { castEventSchema, castHeaderSchema } from '../../../shared/api/recordings.ts';
import type { CastEvent } from '../../../shared/api/recordings.ts';

/** A writer on a hand-driven clock, and the lines it wrote, parsed. */
function harness(): { writer: AsciicastWriter; lines: string[]; events: () => CastEvent[]; advance: (ms: number) => void } {
  const lines: string[] = [];
  let now = 1000;
  const writer = new AsciicastWriter((line) => lines.push(line), () => now);
  writer.header({ width: 100, height: 30, env: { TERM: 'xterm-256color' }, timestamp: 1_700_000_000 });
  return {
    writer,
    lines,
    events: () => lines.slice(1).map((line) => castEventSchema.parse(JSON.parse(line))),
    advance: (ms) => {
      now += ms;
    },
  };
}

describe('AsciicastWriter', () => {
  it('writes a v2 header with the real size and environment, then one JSON line per event', () => {
    const { writer, lines, advance } = harness();
    advance(1500);
    writer.output(Buffer.from('hello\r\n'));
    expect(castHeaderSchema.parse(JSON.parse(lines[0]!))).toEqual({ version: 2, width: 100, height: 30, timestamp: 1_700_000_000, env: { TERM: 'xterm-256color' } });
    expect(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
    expect(JSON.parse(lines[1]!)).toEqual([1.5, 'o', 'hello\r\n']);
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
    const { writer, lines } = harness();
    writer.output(Buffer.from([0xf0, 0x9f]));
    expect(lines).toHaveLength(1);
  });
});
