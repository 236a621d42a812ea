/**
 * IBAN validation (ISO 13616): country code, two check digits, and a BBAN whose
 * mod-97 remainder over the rearranged number must be 1.
 */

// Registered lengths for the countries we know; an unknown country code is still accepted
// when its length is in the IBAN range, so a missing entry can only cost precision, not recall.
const IBAN_LENGTH_BY_COUNTRY: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28,
  CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18,
  FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22,
  IL: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20,
  LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24,
  PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SE: 24, SI: 19, SK: 24, SM: 27,
  TN: 24, TR: 26, UA: 29, VG: 24, XK: 20,
};

export const IBAN_MIN_LENGTH = 15;
export const IBAN_MAX_LENGTH = 34;

const COMPACT_IBAN_SHAPE = /^[A-Z]{2}[0-9]{2}[A-Z0-9]+$/;

/** True for a valid IBAN written compactly or with single spaces between groups. */
export function isValidIban(candidate: string): boolean {
  const compact = candidate.replaceAll(' ', '');
  if (compact.length < IBAN_MIN_LENGTH || compact.length > IBAN_MAX_LENGTH) return false;
  if (!COMPACT_IBAN_SHAPE.test(compact)) return false;
  const registeredLength = IBAN_LENGTH_BY_COUNTRY[compact.slice(0, 2)];
  if (registeredLength !== undefined && registeredLength !== compact.length) return false;
  return ibanRemainder(compact) === 1;
}

function ibanRemainder(compact: string): number {
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const code = rearranged.charCodeAt(i);
    // Letters stand for 10..35, i.e. two decimal digits; folding digit by digit keeps the number small.
    remainder = code <= 57 ? (remainder * 10 + (code - 48)) % 97 : (remainder * 100 + (code - 55)) % 97;
  }
  return remainder;
}
