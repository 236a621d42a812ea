import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CopyMasker, defaultCopyFormat, type CopyFormat } from '../../../broker/masking/copy-masker.ts';
import { copyByteMasksOf } from '../../../broker/masking/copy-mask-run.ts';
import { newTally } from '../../../broker/masking/result-masker.ts';
import type { ColumnAction, RowPlan } from '../../../broker/masking/row-plan.ts';
import type { FieldDescription } from '../../../broker/pg/protocol/backend-decoders.ts';

function field(name: string): FieldDescription {
  return { name, tableOid: 16384, columnAttr: 1, typeOid: 25, typeSize: -1, typeModifier: -1, format: 0 };
}

function planOf(actions: ColumnAction[]): RowPlan {
  return {
    fields: actions.map((_, i) => field(`c${i}`)),
    actions,
    active: actions.some((a) => a.kind !== 'pass'),
    maskedLabels: actions.flatMap((a) => (a.kind === 'mask' ? [a.label] : [])),
  };
}

function frame(line: Buffer): Buffer {
  const b = Buffer.alloc(5 + line.length);
  b[0] = 0x64;
  b.writeUInt32BE(4 + line.length, 1);
  line.copy(b, 5);
  return b;
}

/** What the line-at-a-time path (which decodes what it cannot split) makes of each line, framed. */
function lineByLine(plan: RowPlan, format: CopyFormat, lines: Buffer[]): Buffer {
  const masker = new CopyMasker(plan, format, null, Buffer.from('k'), newTally());
  return Buffer.concat(lines.map((line) => frame(masker.rewriteLine(line))));
}

const masks: fc.Arbitrary<ColumnAction> = fc.oneof(
  fc.constant<ColumnAction>({ kind: 'pass' }),
  fc.constantFrom('redact', 'partial', 'null').map((style): ColumnAction => ({ kind: 'mask', style, label: `t.${style}` })),
);

// Pieces a value is made of: e-mail parts, delimiters of both formats, escapes, quotes, edge spaces, non-ASCII.
const piece = fc.constantFrom('jane', '@', 'example.com', 'x', '\t', ',', '|', '\\', '\\N', '\\t', '"', ' ', 'ü', '日本', '😀', '1234567');

const lineOf = (columns: number, delimiter: string): fc.Arbitrary<string> =>
  fc
    .array(fc.array(piece, { maxLength: 6 }).map((parts) => parts.join('')), { minLength: Math.max(1, columns - 1), maxLength: columns + 1 })
    .chain((values) => fc.constantFrom('\n', '\r\n', '').map((end) => values.join(delimiter) + end));

describe('COPY lines masked from their bytes', () => {
  for (const kind of ['text', 'csv'] as const) {
    it(`gives, for ${kind} runs of any lines and any plan of column masks, what masking each line on its own gives`, () => {
      const cases = fc
        .record({ actions: fc.array(masks, { minLength: 1, maxLength: 5 }), delimiter: fc.constantFrom(kind === 'text' ? '\t' : ',', '|'), header: fc.boolean() })
        .chain((c) => fc.record({ actions: fc.constant(c.actions), delimiter: fc.constant(c.delimiter), header: fc.constant(c.header), lines: fc.array(lineOf(c.actions.length, c.delimiter), { minLength: 1, maxLength: 8 }) }));
      fc.assert(
        fc.property(cases, ({ actions, delimiter, header, lines }) => {
          const plan = planOf(actions);
          const format: CopyFormat = { ...defaultCopyFormat(kind), delimiter, header: kind === 'csv' && header };
          const bytes = lines.map((line) => Buffer.from(line, 'utf8'));
          const expected = lineByLine(plan, format, bytes);
          const run = new CopyMasker(plan, format, null, Buffer.from('k'), newTally()).rewriteRun(Buffer.concat(bytes.map(frame)));
          expect(run.toString('hex')).toBe(expected.toString('hex'));
        }),
        { numRuns: 3000 },
      );
    });
  }

  it('takes plans of column masks only, and leaves detectors and withholding to the general path', () => {
    const format = defaultCopyFormat('text');
    expect(copyByteMasksOf(planOf([{ kind: 'pass' }, { kind: 'mask', style: 'partial', label: 'e' }]), format)).not.toBeNull();
    expect(copyByteMasksOf(planOf([{ kind: 'pass' }, { kind: 'scan' }]), format)).toBeNull();
    expect(copyByteMasksOf(planOf([{ kind: 'mask', style: 'hash', label: 'e' }]), format)).toBeNull();
    expect(copyByteMasksOf(planOf([{ kind: 'withhold', label: 'e' }]), format)).toBeNull();
    expect(copyByteMasksOf(planOf([{ kind: 'pass' }]), format)).toBeNull();
  });

  it('masks e-mails of a long run, notes the column once, and keeps the other columns byte for byte', () => {
    const plan = planOf([{ kind: 'pass' }, { kind: 'mask', style: 'partial', label: 'public.people.email' }, { kind: 'pass' }]);
    const lines = Array.from({ length: 500 }, (_, i) => Buffer.from(`${i}\tuser${i}@example.com\tnote ${'n'.repeat(i % 37)}\n`));
    const tally = newTally();
    const run = Buffer.concat(lines.map(frame));
    const out = new CopyMasker(plan, defaultCopyFormat('text'), null, Buffer.from('k'), tally).rewriteRun(run);
    expect(out.toString('hex')).toBe(Buffer.concat(lines.map((_, i) => frame(Buffer.from(`${i}\tu***@example.com\tnote ${'n'.repeat(i % 37)}\n`)))).toString('hex'));
    expect([...tally.maskedColumns]).toEqual(['public.people.email']);
    // Every mask is shorter than its e-mail: the run was masked over its own bytes.
    expect(out.buffer).toBe(run.buffer);
    expect(out.byteOffset).toBe(run.byteOffset);
  });

  it('goes on in scratch memory from the first mask longer than the room made so far, or a line that must be decoded', () => {
    const plan = planOf([{ kind: 'pass' }, { kind: 'mask', style: 'partial', label: 'e' }, { kind: 'mask', style: 'null', label: 'n' }]);
    // "abcd@x.io" leaves no room; "a@x.io" needs three more bytes; "x\\y" holds an escape.
    const fields = ['abcd@x.io', 'a@x.io', 'somebody@example.com', 'x\\y@example.com', 'c@d.ee', '\\N'];
    const lines = fields.map((f, i) => Buffer.from(`${i}\t${f}\t${i % 2 === 0 ? 'gone' : ''}\n`));
    const run = Buffer.concat(lines.map(frame));
    const out = new CopyMasker(plan, defaultCopyFormat('text'), null, Buffer.from('k'), newTally()).rewriteRun(run);
    expect(out.buffer).not.toBe(run.buffer);
    expect(out.toString('hex')).toBe(lineByLine(plan, defaultCopyFormat('text'), lines).toString('hex'));
  });
});
