import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { byteMaskCut, writeMaskBytes } from '../../../broker/masking/byte-masks.ts';
import { RunWriter } from '../../../broker/pg/protocol/run-writer.ts';
import { applyMaskStyle } from '../../../shared/masking/mask-style.ts';

const key = Buffer.from('k');

/** The byte path's output for `value` placed between other bytes, or null when it declines. */
function byBytes(style: 'redact' | 'partial', value: Buffer): string | null {
  const source = Buffer.concat([Buffer.from('xx'), value, Buffer.from('yy')]);
  const start = 2;
  const end = 2 + value.length;
  const cut = byteMaskCut(style, source, start, end);
  if (cut < 0) return null;
  const writer = new RunWriter(16);
  const written = writeMaskBytes(style, source, start, end, cut, writer);
  const out = writer.finish();
  expect(written).toBe(out.length);
  return out.toString('utf8');
}

describe('masks written from bytes', () => {
  it('gives exactly what the string masks give, wherever it applies', () => {
    const pieces = fc.constantFrom('a', 'Z', '@', '.', 'ü', '日', '😀', ' ', '\\', 'user', 'example.com', '\u0000');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 12 }), (parts) => {
        const text = parts.join('');
        const bytes = Buffer.from(text, 'utf8');
        for (const style of ['redact', 'partial'] as const) {
          const viaBytes = byBytes(style, bytes);
          if (viaBytes !== null) expect(viaBytes).toBe(applyMaskStyle(text, style, key));
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('takes e-mails and redaction, and leaves everything else to the string masks', () => {
    expect(byBytes('partial', Buffer.from('jane@example.com'))).toBe('j***@example.com');
    expect(byBytes('partial', Buffer.from('ümlaut@example.org'))).toBe('ü***@example.org');
    expect(byBytes('redact', Buffer.from('anything'))).toBe('[REDACTED]');
    expect(byBytes('partial', Buffer.from('+1 555 123 4567'))).toBeNull();
    expect(byBytes('partial', Buffer.from('a@b@c'))).toBeNull();
    expect(byBytes('partial', Buffer.from('@example.com'))).toBeNull();
    expect(byBytes('partial', Buffer.from('jane@'))).toBeNull();
    // A broken first character is decoded (and replaced) by the string path, never copied.
    expect(byBytes('partial', Buffer.from([0xff, 0x40, 0x61]))).toBeNull();
  });

  it('writes the very bytes of the string mask for any input bytes, invalid UTF-8 included', () => {
    const bytes = fc.array(fc.oneof(fc.constantFrom(0x40, 0x61, 0x2e, 0x80, 0xbf, 0xc3, 0xa9, 0xe0, 0xed, 0xf0, 0xf4, 0x8f, 0x90, 0xa0), fc.integer({ min: 0, max: 255 })), { maxLength: 10 });
    fc.assert(
      fc.property(bytes, (array) => {
        const value = Buffer.from(array);
        const source = Buffer.concat([Buffer.from('xx'), value, Buffer.from('yy')]);
        const cut = byteMaskCut('partial', source, 2, 2 + value.length);
        if (cut < 0) return;
        const writer = new RunWriter(16);
        writeMaskBytes('partial', source, 2, 2 + value.length, cut, writer);
        expect(writer.finish().toString('hex')).toBe(Buffer.from(applyMaskStyle(value.toString('utf8'), 'partial', key)!, 'utf8').toString('hex'));
      }),
      { numRuns: 20000 },
    );
    // An overlong first character, a surrogate, and a broken domain: none may be copied as they are.
    for (const array of [[0xe0, 0x80, 0x80, 0x40, 0x61], [0xed, 0xa0, 0x80, 0x40, 0x61], [0x61, 0x40, 0x62, 0xff], [0x61, 0x40, 0xc3]]) {
      expect(byteMaskCut('partial', Buffer.from(array), 0, array.length)).toBe(-1);
    }
  });
});
