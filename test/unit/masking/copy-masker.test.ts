import { describe, expect, it } from 'vitest';
import { CopyMasker, defaultCopyFormat, type CopyFormat } from '../../../broker/masking/copy-masker.ts';
import { newTally } from '../../../broker/masking/result-masker.ts';
import type { RowPlan } from '../../../broker/masking/row-plan.ts';
import type { FieldDescription } from '../../../broker/pg/protocol/backend-decoders.ts';
import { createTextMasker } from '../../../shared/masking/mask-text.ts';

const TEXT_OID = 25;

function field(name: string): FieldDescription {
  return { name, tableOid: 16384, columnAttr: 1, typeOid: TEXT_OID, typeSize: -1, typeModifier: -1, format: 0 };
}

// id passes, email is masked by column rule, note goes through the detectors.
const plan: RowPlan = {
  fields: [field('id'), field('email'), field('note')],
  actions: [{ kind: 'pass' }, { kind: 'mask', style: 'partial', label: 'public.people.email' }, { kind: 'scan' }],
  active: true,
  maskedLabels: ['public.people.email'],
};

function masker(format: CopyFormat): { rewrite: (line: string) => string; tally: ReturnType<typeof newTally> } {
  const tally = newTally();
  const m = new CopyMasker(plan, format, createTextMasker(['email', 'ssn']), Buffer.from('k'), tally);
  return { rewrite: (line) => m.rewriteLine(Buffer.from(line, 'utf8')).toString('utf8'), tally };
}

describe('CopyMasker, text format', () => {
  const { rewrite, tally } = masker(defaultCopyFormat('text'));

  it('masks the masked column and detector hits, and leaves the rest byte for byte', () => {
    expect(rewrite('1\tjane@example.com\tcall 078-05-1120 today\n')).toBe('1\tj***@example.com\tcall ***-**-1120 today\n');
    expect(tally.maskedColumns).toContain('public.people.email');
    expect(tally.detectorHits).toBe(1);
  });

  it('decodes escapes in a masked value and escapes the mask again', () => {
    expect(rewrite('2\t\\\\x@example.com\tplain\\ttext\n')).toBe('2\t\\\\***@example.com\tplain\\ttext\n');
  });

  it('keeps NULLs NULL and returns an untouched line as the same buffer', () => {
    const line = Buffer.from('3\t\\N\tnothing here\n');
    const m = new CopyMasker(plan, defaultCopyFormat('text'), null, Buffer.from('k'), newTally());
    expect(m.rewriteLine(line)).toBe(line);
  });

  it('splits on a delimiter of its own only where it is not escaped', () => {
    const pipe = masker({ ...defaultCopyFormat('text'), delimiter: '|' });
    // COPY writes a | inside a value as \|: the line has one delimiter byte more than fields.
    expect(pipe.rewrite('1|jane@example.com|a\\|b\n')).toBe('1|j***@example.com|a\\|b\n');
    expect(pipe.rewrite('2|an\\|d@example.com|x\n')).toBe('2|a***@example.com|x\n');
    expect(pipe.tally.withheldValues).toBe(0);
  });

  it('withholds a line that does not split into the planned columns', () => {
    const tallyOfShort = newTally();
    const m = new CopyMasker(plan, defaultCopyFormat('text'), null, Buffer.from('k'), tallyOfShort);
    expect(m.rewriteLine(Buffer.from('4\tonly-two\n')).length).toBe(0);
    expect(tallyOfShort.withheldValues).toBe(3);
  });
});

describe('CopyMasker, CSV', () => {
  const { rewrite } = masker(defaultCopyFormat('csv'));

  it('splits an unquoted record on delimiter bytes', () => {
    expect(rewrite('1,jane@example.com,fine\n')).toBe('1,j***@example.com,fine\n');
  });

  it('parses quoted values, delimiters inside quotes included', () => {
    expect(rewrite('1,"jane@example.com","a, b and ""c"""\n')).toBe('1,j***@example.com,"a, b and ""c"""\n');
  });

  it('keeps an empty unquoted value (CSV NULL) as NULL', () => {
    expect(rewrite('1,,x\r\n')).toBe('1,,x\r\n');
  });
});

describe('CopyMasker runs', () => {
  function frame(line: string): Buffer {
    const payload = Buffer.from(line, 'utf8');
    const b = Buffer.alloc(5 + payload.length);
    b[0] = 0x64;
    b.writeUInt32BE(4 + payload.length, 1);
    payload.copy(b, 5);
    return b;
  }

  for (const format of ['text', 'csv'] as const) {
    it(`masks a run of ${format} lines exactly as it masks each line on its own`, () => {
      const lines =
        format === 'text'
          ? ['1\tjane@example.com\tcall 078-05-1120\n', '2\t\\N\tplain\n', '3\ta\\tb@example.com\tx\\\\y\n', 'short\n']
          : ['1,jane@example.com,fine\n', '2,"q@example.com","a, ""b"""\n', '3,,x\n'];
      const single = new CopyMasker(plan, defaultCopyFormat(format), createTextMasker(['email', 'ssn']), Buffer.from('k'), newTally());
      const expected = Buffer.concat(lines.map((l) => frame(single.rewriteLine(Buffer.from(l, 'utf8')).toString('utf8'))));
      const run = new CopyMasker(plan, defaultCopyFormat(format), createTextMasker(['email', 'ssn']), Buffer.from('k'), newTally());
      expect(run.rewriteRun(Buffer.concat(lines.map(frame))).toString('hex')).toBe(expected.toString('hex'));
    });
  }

  it('returns the run itself when no line changes', () => {
    const m = new CopyMasker(plan, defaultCopyFormat('text'), null, Buffer.from('k'), newTally());
    const run = Buffer.concat([frame('1\t\\N\tx\n'), frame('2\t\\N\ty\n')]);
    expect(m.rewriteRun(run)).toBe(run);
  });
});

describe('CopyMasker, CSV with an escape character of its own', () => {
  const format: CopyFormat = { ...defaultCopyFormat('csv'), escape: '\\' };

  it('reads escaped quotes and escaped escapes inside quotes, and escapes both when it writes', () => {
    const m = new CopyMasker(plan, format, createTextMasker(['email']), Buffer.from('k'), newTally());
    // note holds: say "hi" \ then mail me at jo@example.com
    const line = '1,jane@example.com,"say \\"hi\\" \\\\ then mail me at jo@example.com"\n';
    expect(m.rewriteLine(Buffer.from(line)).toString()).toBe('1,j***@example.com,"say \\"hi\\" \\\\ then mail me at j***@example.com"\n');
    // The value `x, \` (ending in the escape character) is written "x, \\": the quote after the escaped escape closes it.
    expect(m.rewriteLine(Buffer.from('2,jane@example.com,"x, \\\\"\n')).toString()).toBe('2,j***@example.com,"x, \\\\"\n');
  });
});
