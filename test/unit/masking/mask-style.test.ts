import { describe, expect, it } from 'vitest';
import { applyMaskStyle, HASH_PREFIX, MaskStyle, REDACTED_TOKEN } from '../../../shared/masking/mask-style.ts';

const key = Buffer.from('unit-test-key');

describe('applyMaskStyle', () => {
  it('redact writes the same unmistakable token for every value', () => {
    expect(applyMaskStyle('sk_live_abc', 'redact', key)).toBe(REDACTED_TOKEN);
    expect(applyMaskStyle('', 'redact', key)).toBe(REDACTED_TOKEN);
    expect(REDACTED_TOKEN).toBe('[REDACTED]');
  });

  it('partial keeps the shape of e-mails, phones, cards and IBANs', () => {
    expect(applyMaskStyle('jane@example.com', 'partial', key)).toBe('j***@example.com');
    expect(applyMaskStyle('jonathan.smith@mail.example.org', 'partial', key)).toBe('j***@mail.example.org');
    expect(applyMaskStyle('+15551234567', 'partial', key)).toBe('+1******4567');
    expect(applyMaskStyle('+1 (555) 123-4567', 'partial', key)).toBe('+1 (***) ***-4567');
    expect(applyMaskStyle('4111-1111-1111-1111', 'partial', key)).toBe('****-****-****-1111');
    expect(applyMaskStyle('DE89 3704 0044 0532 0130 00', 'partial', key)).toBe('D*** **** **** **** **30 00');
  });

  it('partial reveals no tail of words and nothing of short values', () => {
    expect(applyMaskStyle('Alice Smith', 'partial', key)).toBe('A**** *****');
    expect(applyMaskStyle('1234', 'partial', key)).toBe('****');
    expect(applyMaskStyle('123-45-6789', 'partial', key)).toBe('***-**-****');
    expect(applyMaskStyle('Zoë Ångström', 'partial', key)).toBe('Z** ********');
  });

  it('last4 masks all but the last four alphanumerics and keeps separators', () => {
    expect(applyMaskStyle('4111111111111111', 'last4', key)).toBe('************1111');
    expect(applyMaskStyle('4111 1111 1111 1111', 'last4', key)).toBe('**** **** **** 1111');
    expect(applyMaskStyle('123-45-6789', 'last4', key)).toBe('***-**-6789');
    expect(applyMaskStyle('abcd', 'last4', key)).toBe('****');
  });

  it('hash is h: plus 16 hex, deterministic per key and different across keys and values', () => {
    const first = applyMaskStyle('jane@example.com', 'hash', key);
    expect(first).toMatch(new RegExp(`^${HASH_PREFIX}[0-9a-f]{16}$`));
    expect(applyMaskStyle('jane@example.com', 'hash', Buffer.from('unit-test-key'))).toBe(first);
    expect(applyMaskStyle('jane@example.com', 'hash', Buffer.from('another-key'))).not.toBe(first);
    expect(applyMaskStyle('jane@example.org', 'hash', key)).not.toBe(first);
  });

  it('hash refuses an empty key', () => {
    expect(() => applyMaskStyle('x', 'hash', Buffer.alloc(0))).toThrow(/key/);
  });

  it('null gives SQL NULL', () => {
    expect(applyMaskStyle('anything', 'null', key)).toBeNull();
  });

  it('no style ever writes a character that would need escaping in JSON or an array literal', () => {
    const samples = ['a"b\\c,d{e}f g', 'x@y.com', '+1 555 123 4567', 'ünïcødé'];
    for (const style of MaskStyle.options) {
      for (const sample of samples) {
        const masked = applyMaskStyle(sample, style, key) ?? '';
        const added = [...masked].filter((char) => !sample.includes(char));
        expect(added.join(''), `${style} of ${sample}`).not.toMatch(/["\\,{}\s]/);
      }
    }
  });
});
