import { describe, expect, it } from 'vitest';
import { formatResult } from '../../../broker/bridge/result-export.ts';
import { maskedColumnsOf, maskingNotice, parseMaskingNotice, settingIsOn } from '../../../broker/policy/masking-annotation.ts';
import { approvalNoticeDetail, approvalRequestIdOf } from '../../../broker/policy/approval-notice-detail.ts';
import type { RowPlan } from '../../../broker/masking/row-plan.ts';

describe('formatResult', () => {
  const result = { columns: ['id', 'note'], rows: [['1', 'plain'], ['2', 'has "quotes", commas\nand lines'], ['3', null], ['4', 'tab\there\\']] };

  it('writes RFC 4180 CSV', () => {
    expect(formatResult(result, 'csv')).toBe('id,note\r\n1,plain\r\n2,"has ""quotes"", commas\nand lines"\r\n3,\r\n4,tab\there\\\r\n');
  });

  it('writes TSV with COPY text escapes', () => {
    expect(formatResult(result, 'tsv')).toBe('id\tnote\n1\tplain\n2\thas "quotes", commas\\nand lines\n3\t\\N\n4\ttab\\there\\\\\n');
  });
});

describe('masking annotations', () => {
  const field = (typeOid: number) => ({ name: 'c', tableOid: 1, columnAttr: 1, typeOid, typeSize: -1, typeModifier: -1, format: 0 });

  it('lists masked, withheld and computed columns of a row plan', () => {
    const plan: RowPlan = {
      fields: [field(23), field(25), field(25), field(25), field(23)],
      actions: [{ kind: 'pass' }, { kind: 'mask', style: 'partial', label: 'public.customers.email' }, { kind: 'withhold', label: 'x (unresolved table 9)' }, { kind: 'computed' }, { kind: 'computed' }],
      active: true,
      maskedLabels: [],
    };
    const computed = { columns: [{ glob: 'email', style: 'partial' as const }], strictest: 'partial' as const };
    const notes = maskedColumnsOf(plan, computed);
    expect(notes).toEqual([
      { index: 1, rule: 'public.customers.email', style: 'partial' },
      { index: 2, rule: 'x (unresolved table 9)', style: 'withheld' },
      { index: 3, rule: 'expression over email', style: 'partial' },
    ]);
    expect(maskedColumnsOf(plan, null).map((n) => n.index)).toEqual([1, 2]);
    const notice = maskingNotice(notes);
    expect(parseMaskingNotice(notice)).toEqual(notes);
    expect(parseMaskingNotice({ message: notice.message, detail: '{"not":"a list"}' })).toBeNull();
    expect(parseMaskingNotice({ message: 'something else', detail: notice.detail })).toBeNull();
  });

  it('reads boolean settings as PostgreSQL does', () => {
    expect(['on', 'TRUE', 'yes', '1'].map(settingIsOn)).toEqual([true, true, true, true]);
    expect(['off', 'false', '0', ''].map(settingIsOn)).toEqual([false, false, false, false]);
    expect(settingIsOn(null)).toBe(false);
  });

  it('round-trips the approval request id of a wait notice', () => {
    expect(approvalRequestIdOf(approvalNoticeDetail('7d1c0c7e-1b2a-4c59-9a51-1b2f2a9b3c4d'))).toBe('7d1c0c7e-1b2a-4c59-9a51-1b2f2a9b3c4d');
    expect(approvalRequestIdOf(undefined)).toBeNull();
    expect(approvalRequestIdOf('approval request ../../etc')).toBeNull();
  });
});
