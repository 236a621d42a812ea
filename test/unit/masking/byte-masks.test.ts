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
});
