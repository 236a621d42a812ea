import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ResultMasker, newTally } from '../../../broker/masking/result-masker.ts';
import { ColumnCatalog } from '../../../broker/masking/column-catalog.ts';
import type { RowPlan } from '../../../broker/masking/row-plan.ts';
import type { CatalogClient } from '../../../broker/pg/upstream/catalog-client.ts';
import { decodeDataRow, type FieldDescription } from '../../../broker/pg/protocol/backend-decoders.ts';
import { backend } from '../../../broker/pg/protocol/backend-messages.ts';
import { BackendCode } from '../../../broker/pg/protocol/message-codes.ts';
import { applyMaskStyle } from '../../../shared/masking/mask-style.ts';
import { parsePolicyText } from '../../../shared/policy/parse-policy.ts';
import { ProtocolError } from '../../../broker/pg/protocol/protocol-error.ts';

const parsed = parsePolicyText(`
version: 1
connection: t
default: allow
masking:
  columns:
    "public.people.email": partial
  detectors: [email, ssn]
  scan: all
`);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));

// The plan is given directly; the catalog is never asked.
const unusedCatalog = { query: () => Promise.reject(new Error('catalog not expected')) } as unknown as CatalogClient;
const masker = new ResultMasker(parsed.policy, new ColumnCatalog(unusedCatalog), Buffer.from('key'));

function field(name: string, typeOid: number): FieldDescription {
  return { name, tableOid: 16384, columnAttr: 1, typeOid, typeSize: -1, typeModifier: -1, format: 0 };
}

const plan: RowPlan = {
  fields: [field('id', 23), field('email', 25), field('note', 25), field('secret', 25)],
  actions: [{ kind: 'pass' }, { kind: 'mask', style: 'partial', label: 'public.people.email' }, { kind: 'scan' }, { kind: 'withhold', label: 'secret (unresolved)' }],
  active: true,
  maskedLabels: ['public.people.email', 'secret (unresolved)'],
};

function dataRow(...values: (string | null)[]): Buffer {
  return backend.dataRow(values.map((v) => (v === null ? null : Buffer.from(v))));
}

const rows = [
  dataRow('1', 'jane@example.com', 'nothing to see', 's3cret'),
  dataRow('2', null, 'ssn 078-05-1120 in text', null),
  dataRow('3', 'ümlaut@example.org', null, ''),
];

describe('ResultMasker runs', () => {
  it('masks a run exactly as it masks each row on its own', () => {
    const oneByOne = Buffer.concat(rows.map((r) => masker.rewriteDataRow(r, r.subarray(5), plan, newTally())));
    const tally = newTally();
    const asRun = masker.rewriteDataRun(Buffer.concat(rows), plan, tally);
    expect(asRun.equals(oneByOne)).toBe(true);
    expect(tally.maskedColumns).toContain('public.people.email');
    expect(tally.withheldValues).toBe(2);
  });

  it('writes the masked values, NULLs and untouched columns into well-formed DataRows', () => {
    const out = masker.rewriteDataRun(Buffer.concat(rows), plan, newTally());
    const decoded: (string | null)[][] = [];
    let offset = 0;
    while (offset < out.length) {
      const end = offset + 1 + out.readUInt32BE(offset + 1);
      expect(out[offset]).toBe(BackendCode.DataRow);
      decoded.push(decodeDataRow(out.subarray(offset + 5, end)).map((v) => (v === null ? null : v.toString('utf8'))));
      offset = end;
    }
    expect(decoded).toEqual([
      ['1', 'j***@example.com', 'nothing to see', null],
      ['2', null, 'ssn ***-**-1120 in text', null],
      ['3', 'ü***@example.org', null, null],
    ]);
  });

  it('returns the run itself when no value changes', () => {
    const scanOnly: RowPlan = { ...plan, actions: [{ kind: 'pass' }, { kind: 'scan' }, { kind: 'scan' }, { kind: 'pass' }] };
    const run = Buffer.concat([dataRow('1', 'no pii', 'none', 'x'), dataRow('2', 'still none', null, 'y')]);
    expect(masker.rewriteDataRun(run, scanOnly, newTally())).toBe(run);
  });

  it('agrees with masking each decoded value by its style, for any rows and any plan of column masks', () => {
    const styles = ['partial', 'redact', 'null', 'last4', 'hash'] as const;
    const action = fc.oneof(
      fc.constant<RowPlan['actions'][number]>({ kind: 'pass' }),
      fc.constantFrom(...styles).map((style): RowPlan['actions'][number] => ({ kind: 'mask', style, label: `col.${style}` })),
      fc.constant<RowPlan['actions'][number]>({ kind: 'withhold', label: 'unresolved' }),
    );
    const value = fc.oneof(
      fc.constant(null),
      fc.string({ maxLength: 40 }),
      fc.emailAddress(),
      fc.tuple(fc.string({ maxLength: 5 }), fc.emailAddress()).map(([a, b]) => a + b),
      fc.string({ unit: 'grapheme', maxLength: 12 }),
    );
    fc.assert(
      fc.property(
        fc.array(action, { minLength: 1, maxLength: 6 }).chain((actions) =>
          fc.tuple(fc.constant(actions), fc.array(fc.array(value, { minLength: actions.length, maxLength: actions.length }), { minLength: 1, maxLength: 20 })),
        ),
        ([actions, rows]) => {
          const fuzzPlan: RowPlan = {
            fields: actions.map((_, i) => field(`c${i}`, 25)),
            actions,
            active: actions.some((a) => a.kind !== 'pass'),
            maskedLabels: [],
          };
          const tally = newTally();
          const out = masker.rewriteDataRun(Buffer.concat(rows.map((values) => dataRow(...values))), fuzzPlan, tally);
          const decoded: (string | null)[][] = [];
          for (let offset = 0; offset < out.length; ) {
            const end = offset + 1 + out.readUInt32BE(offset + 1);
            expect(out[offset]).toBe(BackendCode.DataRow);
            decoded.push(decodeDataRow(out.subarray(offset + 5, end)).map((v) => (v === null ? null : v.toString('utf8'))));
            offset = end;
          }
          const expected = rows.map((values) =>
            values.map((v, i) => {
              const a = actions[i]!;
              if (v === null || a.kind === 'pass') return v;
              if (a.kind === 'withhold') return null;
              // What the string path makes of the value the client would have read.
              return a.kind === 'mask' ? applyMaskStyle(Buffer.from(v, 'utf8').toString('utf8'), a.style, Buffer.from('key')) : v;
            }),
          );
          expect(decoded).toEqual(expected);
          const maskedLabels = new Set(actions.flatMap((a, i) => ((a.kind === 'mask' || a.kind === 'withhold') && rows.some((r) => r[i] !== null) ? [a.label] : [])));
          expect(tally.maskedColumns).toEqual(maskedLabels);
        },
      ),
      { numRuns: 1500 },
    );
  });

  describe('column masks written over the run', () => {
    const emailOnly: RowPlan = { ...plan, actions: [{ kind: 'pass' }, { kind: 'mask', style: 'partial', label: 'public.people.email' }, { kind: 'pass' }, { kind: 'pass' }] };

    function decodedRows(out: Buffer): (string | null)[][] {
      const decoded: (string | null)[][] = [];
      for (let offset = 0; offset < out.length; ) {
        const end = offset + 1 + out.readUInt32BE(offset + 1);
        decoded.push(decodeDataRow(out.subarray(offset + 5, end)).map((v) => (v === null ? null : v.toString('utf8'))));
        offset = end;
      }
      return decoded;
    }

    it('masks in place when every mask fits where its value was: the result is the run itself, shortened', () => {
      const run = Buffer.concat([dataRow('1', 'jane.doe@example.com', 'a', 'b'), dataRow('2', null, 'c', 'd'), dataRow('3', 'bob.smith@example.org', 'e', 'f')]);
      const out = masker.rewriteDataRun(run, emailOnly, newTally());
      expect(out.buffer).toBe(run.buffer);
      expect(out.byteOffset).toBe(run.byteOffset);
      expect(out.length).toBeLessThan(run.length);
      expect(decodedRows(out)).toEqual([
        ['1', 'j***@example.com', 'a', 'b'],
        ['2', null, 'c', 'd'],
        ['3', 'b***@example.org', 'e', 'f'],
      ]);
    });

    it('goes on in scratch memory from the first mask longer than the room made so far, after the rows masked in place', () => {
      // "abcd@x.io" gives a mask as long as itself, so "a@x.io", whose mask is longer, finds no room.
      const values = ['abcd@x.io', 'a@x.io', 'somebody@example.com', 'ab@x.io', 'not an e-mail', 'c@d.ee'];
      const run = Buffer.concat(values.map((v, i) => dataRow(String(i), v, 'n', 'o')));
      const out = masker.rewriteDataRun(run, emailOnly, newTally());
      expect(out.buffer).not.toBe(run.buffer);
      expect(decodedRows(out)).toEqual(values.map((v, i) => [String(i), applyMaskStyle(v, 'partial', Buffer.from('key')), 'n', 'o']));
    });

    it('masks in place up to a row the bytes cannot mask, then rewrites the rest in scratch memory', () => {
      const values = ['first.one@example.com', 'second.one@example.com', 'not an e-mail', 'third.one@example.com'];
      const run = Buffer.concat(values.map((v, i) => dataRow(String(i), v, 'n', 'o')));
      const out = masker.rewriteDataRun(run, emailOnly, newTally());
      expect(decodedRows(out)).toEqual(values.map((v, i) => [String(i), applyMaskStyle(v, 'partial', Buffer.from('key')), 'n', 'o']));
    });
  });

  it('refuses a DataRow whose value lengths do not add up, on the byte path as on the string path', () => {
    const emailOnly: RowPlan = { ...plan, actions: [{ kind: 'pass' }, { kind: 'mask', style: 'partial', label: 'public.people.email' }, { kind: 'pass' }, { kind: 'pass' }] };
    const good = dataRow('1', 'jane@example.com', 'x', 'y');
    const lying = Buffer.from(good);
    lying.writeInt32BE(400, 7); // the first value claims more bytes than the row has
    for (const p of [emailOnly, plan]) {
      expect(() => masker.rewriteDataRun(Buffer.concat([good, lying]), p, newTally())).toThrow(ProtocolError);
    }
  });
});
