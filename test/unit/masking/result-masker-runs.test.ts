import { describe, expect, it } from 'vitest';
import { ResultMasker, newTally } from '../../../broker/masking/result-masker.ts';
import { ColumnCatalog } from '../../../broker/masking/column-catalog.ts';
import type { RowPlan } from '../../../broker/masking/row-plan.ts';
import type { CatalogClient } from '../../../broker/pg/upstream/catalog-client.ts';
import { decodeDataRow, type FieldDescription } from '../../../broker/pg/protocol/backend-decoders.ts';
import { backend } from '../../../broker/pg/protocol/backend-messages.ts';
import { BackendCode } from '../../../broker/pg/protocol/message-codes.ts';
import { parsePolicyText } from '../../../shared/policy/parse-policy.ts';

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
});
