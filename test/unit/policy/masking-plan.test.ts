import { describe, expect, it } from 'vitest';
import { columnMaskStyle, detectorStylesFor, detectorsFor, scanMode } from '../../../shared/policy/masking-plan.ts';
import { parsePolicyText } from '../../../shared/policy/parse-policy.ts';
import type { PolicyDocument } from '../../../shared/policy/policy-document.ts';

function policyWithMasking(masking: string): PolicyDocument {
  const result = parsePolicyText(`version: 1\nconnection: c\ndefault: allow\nmasking:\n${masking}`);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.policy;
}

describe('columnMaskStyle', () => {
  const policy = policyWithMasking(`  columns:
    "public.customers.email": partial
    "public.customers.ssn": redact
    "*.card_number": last4
    "*.*.email": redact
    "pay*.*.iban": hash
    "*.*.iban": partial
    "*.*.secret*": "null"
    "*.*.secret_note": redact
`);
  const style = (schema: string, table: string, column: string) => columnMaskStyle(policy, { schema, table, column });

  it('matches exact names and globs, ignoring case', () => {
    expect(style('public', 'customers', 'ssn')).toBe('redact');
    expect(style('sales', 'payments', 'card_number')).toBe('last4');
    expect(style('Public', 'Customers', 'SSN')).toBe('redact');
    expect(style('public', 'customers', 'name')).toBeNull();
  });

  it('lets the most specific glob win', () => {
    expect(style('public', 'customers', 'email')).toBe('partial');
    expect(style('public', 'leads', 'email')).toBe('redact');
    expect(style('payroll', 'accounts', 'iban')).toBe('hash');
    expect(style('sales', 'accounts', 'iban')).toBe('partial');
  });

  it('breaks ties between equally specific globs towards the style that reveals less', () => {
    expect(style('x', 'y', 'secret_note')).toBe('redact'); // more literal characters beat secret*
    expect(style('x', 'y', 'secret_key')).toBe('null');
    const tie = policyWithMasking('  columns:\n    "a.*.c": partial\n    "*.b.c": hash\n');
    expect(columnMaskStyle(tie, { schema: 'a', table: 'b', column: 'c' })).toBe('hash');
  });
});

describe('detectors and scan mode', () => {
  it('reports detectors, their styles and the scan mode', () => {
    const policy = policyWithMasking('  detectors: [email, jwt]\n  detector_styles: { email: hash }\n  scan: computed\n');
    expect(detectorsFor(policy)).toEqual(['email', 'jwt']);
    expect(detectorStylesFor(policy)).toMatchObject({ email: 'hash', jwt: 'redact', credit_card: 'last4' });
    expect(scanMode(policy)).toBe('computed');
  });

  it('scans nothing when no detectors are listed or scanning is off', () => {
    expect(scanMode(policyWithMasking('  scan: all\n'))).toBe('none');
    const off = policyWithMasking('  detectors: [email]\n  scan: none\n');
    expect(scanMode(off)).toBe('none');
    expect(detectorsFor(off)).toEqual([]);
  });
});
