import { describe, expect, it } from 'vitest';
import { DetectorName, findSensitiveSpans } from '../../../shared/masking/detectors.ts';

function found(text: string, detector: DetectorName): string[] {
  return findSensitiveSpans(text, [detector]).map((span) => text.slice(span.start, span.end));
}

function base64Url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

const jwt = `${base64Url({ alg: 'HS256', typ: 'JWT' })}.${base64Url({ sub: '42', name: 'Jane' })}.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c`;

describe('email detector', () => {
  it('finds addresses in free text, JSON and array literals', () => {
    expect(found('write to jane.doe+news@mail.example.com today', 'email')).toEqual(['jane.doe+news@mail.example.com']);
    expect(found('{"contact":"bob@example.org"}', 'email')).toEqual(['bob@example.org']);
    expect(found('{alice@example.com,"carol@example.net"}', 'email')).toEqual(['alice@example.com', 'carol@example.net']);
    expect(found('end of sentence a@b.co.', 'email')).toEqual(['a@b.co']);
  });

  it('finds an address glued to text that holds dots and digits', () => {
    // fast-check found 'jane@example.com.0' passing unmasked: the glued '.0' was taken as the TLD.
    expect(found('jane@example.com.0', 'email')).toEqual(['jane@example.com']);
    expect(found('jane@example.com.0.12x', 'email')).toEqual(['jane@example.com']);
    expect(found('jane@example.com0.5', 'email')).toEqual(['jane@example.com']);
    expect(found('jane@example.com.A', 'email')).toEqual(['jane@example.com']);
    expect(found('jane@mail.example.co.uk-3.', 'email')).toEqual(['jane@mail.example.co.uk']);
    expect(found('v1@2.3.4', 'email')).toEqual([]);
  });

  it('ignores things that only look a little like addresses', () => {
    expect(found('user@localhost', 'email')).toEqual([]);
    expect(found('@example.com and foo@ and a@b.c', 'email')).toEqual([]);
    expect(found('version 1.2@3.4', 'email')).toEqual([]);
  });
});

describe('credit card detector', () => {
  it('finds Luhn-valid numbers with or without separators', () => {
    expect(found('card 4111111111111111', 'credit_card')).toEqual(['4111111111111111']);
    expect(found('4111 1111 1111 1111 exp 12/27', 'credit_card')).toEqual(['4111 1111 1111 1111']);
    expect(found('amex 3782-822463-10005.', 'credit_card')).toEqual(['3782-822463-10005']);
    expect(found('{"pan":5555555555554444}', 'credit_card')).toEqual(['5555555555554444']);
    expect(found('{4111111111111111,6011111111111117}', 'credit_card')).toEqual(['4111111111111111', '6011111111111117']);
  });

  it('keeps a card that is followed by more digits after a space', () => {
    expect(found('4111 1111 1111 1111 12', 'credit_card')).toEqual(['4111 1111 1111 1111']);
  });

  it('ignores invalid checksums, random digit runs and runs that are too long or short', () => {
    expect(found('card 4111111111111112', 'credit_card')).toEqual([]);
    expect(found('order 8734619273640012', 'credit_card')).toEqual([]);
    expect(found('41111111111111110000', 'credit_card')).toEqual([]); // 20 digits
    expect(found('411111111111', 'credit_card')).toEqual([]); // 12 digits
  });
});

describe('SSN detector', () => {
  it('finds ###-##-#### numbers', () => {
    expect(found('ssn: 123-45-6789', 'ssn')).toEqual(['123-45-6789']);
    expect(found('["078-05-1121"]', 'ssn')).toEqual(['078-05-1121']);
  });

  it('ignores never-issued ranges and other dashed numbers', () => {
    for (const text of ['000-12-3456', '666-12-3456', '900-12-3456', '123-00-4567', '123-45-0000', '2024-05-01', '123-45-67890', '1-123-45-6789']) {
      expect(found(text, 'ssn'), text).toEqual([]);
    }
  });
});

describe('phone detector', () => {
  it('finds E.164 numbers with common separators', () => {
    expect(found('call +15551234567 now', 'phone')).toEqual(['+15551234567']);
    expect(found('{"tel":"+44 20 7946 0958"}', 'phone')).toEqual(['+44 20 7946 0958']);
    expect(found('+1 (555) 123-4567', 'phone')).toEqual(['+1 (555) 123-4567']);
    expect(found('+33.1.23.45.67.89', 'phone')).toEqual(['+33.1.23.45.67.89']);
  });

  it('ignores numbers without +, too short or too long, or starting with 0', () => {
    for (const text of ['555-123-4567', '+1234567', '+0123456789', '+1234567890123456', 'a+15551234567', '1+15551234567']) {
      expect(found(text, 'phone'), text).toEqual([]);
    }
  });
});

describe('secret token detector', () => {
  it('finds vendor tokens by prefix', () => {
    const tokens = [
      'sk_live_' + 'a1B2c3D4e5F6g7H8i9J0',
      'rk_test_' + 'Z'.repeat(24),
      'ghp_' + 'x'.repeat(36),
      'github_pat_' + '11ABCDEFG0' + '_'.repeat(1) + 'q'.repeat(59),
      'glpat-' + 'Ab3_'.repeat(5),
      'xoxb-1234567890-0987654321-' + 'a'.repeat(24),
      'AKIAIOSFODNN7EXAMPLE',
    ];
    for (const token of tokens) {
      expect(found(`key=${token};`, 'secret_token'), token).toEqual([token]);
    }
  });

  it('ignores ordinary identifiers that share a prefix', () => {
    for (const text of ['sk_live_short', 'task_live_' + 'a'.repeat(20), 'ghp_', 'AKIAIOSFODNN7EXAMPL', 'AKIAIOSFODNN7EXAMPLEX', 'my_variable_name_is_long']) {
      expect(found(text, 'secret_token'), text).toEqual([]);
    }
  });
});

describe('JWT detector', () => {
  it('finds JWTs whose header is JSON with alg', () => {
    expect(found(`Authorization: Bearer ${jwt}`, 'jwt')).toEqual([jwt]);
    expect(found(`{"token":"${jwt}"}`, 'jwt')).toEqual([jwt]);
    const unsigned = `${base64Url({ alg: 'none' })}.${base64Url({ sub: '1' })}.`;
    expect(found(`t=${unsigned} `, 'jwt')).toEqual([unsigned]);
  });

  it('ignores dotted base64 whose header is not a JWT header', () => {
    expect(found(`${base64Url({ typ: 'JWT' })}.${base64Url({ sub: '1' })}.sig`, 'jwt')).toEqual([]);
    expect(found('eyJub3QganNvbg.eyJzdWIiOiIxIn0.sig', 'jwt')).toEqual([]);
    expect(found(`${base64Url({ alg: 'HS256' })}.onlytwo`, 'jwt')).toEqual([]);
    expect(found(`${jwt}.extra`, 'jwt')).toEqual([]);
  });
});

describe('IBAN detector', () => {
  it('finds mod-97-valid IBANs with or without spaces', () => {
    expect(found('pay to DE89370400440532013000 please', 'iban')).toEqual(['DE89370400440532013000']);
    expect(found('{"iban":"GB82 WEST 1234 5698 7654 32"}', 'iban')).toEqual(['GB82 WEST 1234 5698 7654 32']);
    expect(found('{NO9386011117947,FR1420041010050500013M02606}', 'iban')).toEqual(['NO9386011117947', 'FR1420041010050500013M02606']);
  });

  it('ignores invalid checksums and lookalikes', () => {
    expect(found('DE89370400440532013001', 'iban')).toEqual([]);
    expect(found('GB82 WEST 1234 5698 7654 33', 'iban')).toEqual([]);
    expect(found('AB12CDEF', 'iban')).toEqual([]);
    expect(found('XDE89370400440532013000', 'iban')).toEqual([]);
  });
});

describe('findSensitiveSpans', () => {
  it('runs only the detectors asked for', () => {
    const text = 'jane@example.com 4111111111111111';
    expect(findSensitiveSpans(text, ['credit_card']).map((span) => span.detector)).toEqual(['credit_card']);
    expect(findSensitiveSpans(text, [])).toEqual([]);
  });

  it('returns sorted spans without overlaps', () => {
    const text = `a@b.com +15551234567 ${jwt} 123-45-6789`;
    const spans = findSensitiveSpans(text, DetectorName.options);
    expect(spans.map((span) => span.detector)).toEqual(['email', 'phone', 'jwt', 'ssn']);
    for (let i = 1; i < spans.length; i++) expect(spans[i]!.start).toBeGreaterThanOrEqual(spans[i - 1]!.end);
  });

  it('stays linear on adversarial input', () => {
    const adversarial = ['a'.repeat(100_000) + '@', 'eyJ'.repeat(30_000), '1 '.repeat(20_000), '@a'.repeat(50_000), '+1 '.repeat(30_000)];
    for (const text of adversarial) {
      const started = performance.now();
      findSensitiveSpans(text, DetectorName.options);
      // Generous bound: quadratic behaviour on these inputs would take minutes.
      expect(performance.now() - started, text.slice(0, 6)).toBeLessThan(5_000);
    }
  });
});
