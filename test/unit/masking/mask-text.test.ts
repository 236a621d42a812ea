import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DetectorName } from '../../../shared/masking/detectors.ts';
import { createTextMasker, maskDetectedText } from '../../../shared/masking/mask-text.ts';

const all = DetectorName.options;
const key = Buffer.from('unit-test-key');

describe('maskDetectedText', () => {
  it('masks every detected span in free text with each detector default style', () => {
    const text = 'jane@example.com paid with 4111 1111 1111 1111, ssn 123-45-6789, call +1 555 123 4567, key AKIAIOSFODNN7EXAMPLE, iban DE89370400440532013000';
    const result = maskDetectedText(text, all);
    expect(result.text).toBe(
      'j***@example.com paid with **** **** **** 1111, ssn ***-**-6789, call +1 *** *** 4567, key [REDACTED], iban D*****************3000',
    );
    expect(result.hits).toEqual(['email', 'credit_card', 'ssn', 'phone', 'secret_token', 'iban']);
  });

  it('returns the same string and no hits when nothing is found', () => {
    const text = 'Quarterly revenue grew 12% to 4,512,000 in 2024-Q3.';
    const result = maskDetectedText(text, all);
    expect(result.text).toBe(text);
    expect(result.hits).toEqual([]);
  });

  it('masks only the detectors asked for', () => {
    const result = maskDetectedText('jane@example.com 4111111111111111', ['credit_card']);
    expect(result).toEqual({ text: 'jane@example.com ************1111', hits: ['credit_card'] });
  });

  it('applies one style to all, or per-detector styles that win over it', () => {
    expect(maskDetectedText('a jane@example.com b', ['email'], { style: 'redact' }).text).toBe('a [REDACTED] b');
    const hashed = maskDetectedText('jane@example.com', ['email'], { style: 'redact', styles: { email: 'hash' }, hashKey: key }).text;
    expect(hashed).toMatch(/^h:[0-9a-f]{16}$/);
    expect(maskDetectedText('x jane@example.com', ['email'], { styles: { email: 'hash' }, hashKey: key }).text).toBe(`x ${hashed}`);
  });

  it('writes the redaction token for style null, since part of a text cannot be NULL', () => {
    expect(maskDetectedText('ssn 123-45-6789', ['ssn'], { style: 'null' }).text).toBe('ssn [REDACTED]');
  });

  it('refuses hash without a key', () => {
    expect(() => createTextMasker(['email'], { style: 'hash' })).toThrow(/hash key/);
  });

  it('masks inside JSON strings and keeps the JSON valid', () => {
    const json = JSON.stringify({ user: { email: 'jane@example.com', notes: ['card 4111-1111-1111-1111', 'ok'] }, token: 'ghp_' + 'x'.repeat(36) });
    const result = maskDetectedText(json, all);
    expect(JSON.parse(result.text)).toEqual({ user: { email: 'j***@example.com', notes: ['card ****-****-****-1111', 'ok'] }, token: '[REDACTED]' });
  });

  it('replaces a card stored as a bare JSON number with null', () => {
    const result = maskDetectedText('{"pan": 4111111111111111, "n": [5555555555554444]}', all);
    expect(JSON.parse(result.text)).toEqual({ pan: null, n: [null] });
    expect(result.hits).toEqual(['credit_card']);
  });

  it('never starts a mask inside a JSON escape sequence', () => {
    const json = '{"a":"\\u0040jane@example.com","b":"line\\njohn@example.com","c":"\\"bob@example.com\\""}';
    const result = maskDetectedText(json, ['email'], { style: 'redact' });
    expect(JSON.parse(result.text)).toEqual({ a: '@[REDACTED]', b: 'line\n[REDACTED]', c: '"[REDACTED]"' });
  });

  it('masks inside PostgreSQL array literals without breaking them', () => {
    const result = maskDetectedText('{"jane@example.com",bob@example.org,"a, b"}', ['email'], { style: 'redact' });
    expect(result.text).toBe('{"[REDACTED]",[REDACTED],"a, b"}');
  });

  it('treats text as JSON only when asked or when it parses', () => {
    expect(maskDetectedText('4111111111111111', ['credit_card'], { format: 'json' }).text).toBe('null');
    expect(maskDetectedText('4111111111111111', ['credit_card']).text).toBe('************1111');
    expect(maskDetectedText('{4111111111111111}', ['credit_card']).text).toBe('{************1111}');
  });

  it('keeps any JSON document valid, whatever sensitive values it holds', () => {
    const sensitive = fc.constantFrom(
      'jane@example.com',
      '4111 1111 1111 1111',
      '123-45-6789',
      '+44 20 7946 0958',
      'AKIAIOSFODNN7EXAMPLE',
      'DE89 3704 0044 0532 0130 00',
      'sk_live_' + 'q'.repeat(24),
    );
    const text = fc.oneof(fc.string(), sensitive, fc.tuple(fc.string(), sensitive, fc.string()).map((parts) => parts.join('')));
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.constant(4111111111111111),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    const autoMasker = createTextMasker(all, { styles: { email: 'hash' }, hashKey: key });
    // A bare scalar is only JSON when the caller says so (a json column); auto needs a container.
    const jsonMasker = createTextMasker(all, { styles: { email: 'hash' }, hashKey: key, format: 'json' });
    fc.assert(
      fc.property(json, fc.boolean(), (value, pretty) => {
        const indent = pretty ? 2 : undefined;
        for (const masked of [jsonMasker(JSON.stringify(value, null, indent)).text, autoMasker(JSON.stringify([value], null, indent)).text]) {
          expect(() => JSON.parse(masked)).not.toThrow();
          expect(masked).not.toContain('jane@example.com');
          expect(masked).not.toContain('4111111111111111');
        }
      }),
      { numRuns: 300 },
    );
  });
});
