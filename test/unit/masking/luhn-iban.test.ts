import { describe, expect, it } from 'vitest';
import { isValidIban } from '../../../shared/masking/iban.ts';
import { passesLuhn } from '../../../shared/masking/luhn.ts';

describe('passesLuhn', () => {
  it('accepts well-known test card numbers', () => {
    for (const card of ['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117', '4012888888881881']) {
      expect(passesLuhn(card), card).toBe(true);
    }
  });

  it('rejects a changed digit, empty input and non-digits', () => {
    expect(passesLuhn('4111111111111112')).toBe(false);
    expect(passesLuhn('4111111111111121')).toBe(false);
    expect(passesLuhn('')).toBe(false);
    expect(passesLuhn('4111-1111-1111-1111')).toBe(false);
  });
});

describe('isValidIban', () => {
  it('accepts valid IBANs, compact or grouped with spaces', () => {
    for (const iban of ['DE89370400440532013000', 'GB82WEST12345698765432', 'FR1420041010050500013M02606', 'NL91ABNA0417164300', 'NO9386011117947', 'DE89 3704 0044 0532 0130 00']) {
      expect(isValidIban(iban), iban).toBe(true);
    }
  });

  it('rejects a wrong checksum, a wrong length for the country and malformed text', () => {
    expect(isValidIban('DE89370400440532013001')).toBe(false);
    expect(isValidIban('DE88370400440532013000')).toBe(false);
    expect(isValidIban('DE8937040044053201300')).toBe(false); // 21 characters, Germany has 22
    expect(isValidIban('de89370400440532013000')).toBe(false);
    expect(isValidIban('DE')).toBe(false);
    expect(isValidIban('DE89-3704-0044-0532-0130-00')).toBe(false);
  });
});
