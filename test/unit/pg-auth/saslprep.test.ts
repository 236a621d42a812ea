import { describe, expect, it } from 'vitest';
import { saslPrep, scramPasswordBytes } from '../../../broker/pg/auth/saslprep.ts';
import { makeScramVerifier, parsePostgresScramSecret } from '../../../broker/pg/auth/scram-verifier.ts';

/**
 * pg_authid.rolpassword as PostgreSQL 15.18 stored it for `CREATE ROLE … PASSWORD '<password>'`.
 * Re-deriving each with the same salt must give the same keys, which pins down the exact bytes
 * PostgreSQL's SASLprep (with its fall back to raw bytes) feeds into PBKDF2.
 */
const POSTGRES_SECRETS: readonly { name: string; password: string; secret: string }[] = [
  { name: 'ASCII', password: 'pencil', secret: 'SCRAM-SHA-256$4096:zeRti9ULOzaxjXTIXHt6zw==$672a5FwKUBLvtyPl7zMwnRPxH64TAo+pgQtAzbFki3s=:COOyk/kicpTeGhUuALi4C7CFBHSLnMPR6XdcGYxH/Y0=' },
  { name: 'soft hyphen mapped to nothing', password: 'I\u00ADX', secret: 'SCRAM-SHA-256$4096:dP45Zhe+8inwEuRwdNRriw==$WWW1CeIrmyz1rD3NfYE05ZEV8xUuS2s42V7S9hIB/Cg=:iD9efOHLg24tQMyoUx//KZnv2kqvgd8RMLS/M7SjNk8=' },
  { name: 'NFKC of a Roman numeral', password: '\u2168', secret: 'SCRAM-SHA-256$4096:2FPTLE4XR9CkfDbZy3i91g==$b4BiR+9rF47K1musRVGA7WIxpnNezoG2jqoOCd4F9SA=:7+OowrJbAe/nmY4AT56OCv2X/zEDTxxCH3FZGtFEuGc=' },
  { name: 'no-break space mapped to space', password: 'a\u00A0b', secret: 'SCRAM-SHA-256$4096:649qA2G/6AG0dyEBtFGsgw==$9WB0TqkrTWyClBDxWNhhz+DRp+vJl6xykyUF7AlNGb8=:7IUzwbvzgLKIkjC8pmwO41CD4YJKGoa6y/kljoB5o1Q=' },
  { name: 'zero-width space mapped to space', password: 'a\u200Bb', secret: 'SCRAM-SHA-256$4096:ZGx1e5JSOAIU0HosejWWXQ==$4qmEr+eeS1V+oB9mpfz1AtFYZ33YZTRjUoTOfHVshLs=:78I5pk/DNHOV+n8EXl6sHk1qn5dX7he1HAoENZJP2WU=' },
  { name: 'fullwidth letters', password: '\uFF21\uFF22', secret: 'SCRAM-SHA-256$4096:RXLMwtc/D7U5Gu0gMxFgaw==$/FobCU/OVw9c7ECryW/CIplUDtDC/+9M74h1IZ+C/q0=:G+jswf5NAoPici6/ghvjyKw8KNBSMNDH0chS5HWxPT8=' },
  { name: 'nothing left after mapping (raw bytes)', password: '\u00AD', secret: 'SCRAM-SHA-256$4096:ORiLyEShaZqXqHbxap69Mg==$9UlSYWvtXt/amxqxK/AWpgO9CzaLZP3+j4rj28PckzY=:dZ5U5l5MjtYNsRxXIfjCSzMqPCPgAOefelU3T0ag70A=' },
  { name: 'RandALCat mixed with LCat (raw bytes)', password: '\uFB01\u0627', secret: 'SCRAM-SHA-256$4096:LEX4lUlWXC3iWjRmEAl/OA==$93AkLrScQuz8rFodQoSUu/1WsjpWKV4x/Rcrm8rfFsM=:cP8IwGiVysSf50Y9+2nytdQhd3sdRRtCh/Nv3dcwPr8=' },
  { name: 'valid right-to-left string', password: '\u0627\u00AD\u0628', secret: 'SCRAM-SHA-256$4096:UGrfOTnP3XPzJXeRQqNUqA==$i4edsPDj+vb+XcN4salPZ0Jt+M8s+9H3jf8PE7OpJ/w=:DuHcnVi/Qc2F004x7RhU9Ns60A7g7ViJp/v9q/nrPYw=' },
  { name: 'Hebrew with a non-spacing mark', password: '\u05D0\u05B0\u05D1', secret: 'SCRAM-SHA-256$4096:C89BbiidgL0LWGXwHWYeMQ==$wptAc6UzZNxSwoLNZZyiaNZuT7FPpLH1a2omj1HulMg=:KqmTt6GZn5oReCcrW1uNpAc9jVaSxjIoDTrLyy6JqoU=' },
  { name: 'private use (raw bytes)', password: '\uFB01\uE000', secret: 'SCRAM-SHA-256$4096:1BCRRkdH04smVYcoK1JV7Q==$GhUCewQYBPWLidKXbn1NnaOt+KUT1MRTjCajWZBTssw=:Y8lalyzhp6hTDRvmaQF369j2CNyjjMoKnMHl24FQkyI=' },
  { name: 'control character (raw bytes)', password: '\uFB01\u0007', secret: 'SCRAM-SHA-256$4096:ifNzweQsT69awKytO6hSbw==$Sg1XiD6u+/hS7IFmjgLI571Dw2CuLfluFuWz0JKa1hg=:KRRtuSuAw9xOdVFXhrm0cssLbcVKKgmuN6PoL1+EbJ4=' },
  { name: 'emoji, unassigned in Unicode 3.2 (raw bytes)', password: '\uFB01\u{1F600}', secret: 'SCRAM-SHA-256$4096:4VlHgbw8+q4Kmlq91gGA5g==$NNTTIWma+h0P6oNem+Wm3oJQxJBbiLEHi3svlgtd4BQ=:CF/lNeSCNZK6v4V+aSfUy2sV105Av9H5dwdiygtqSMA=' },
  { name: 'mathematical bold letter (Unicode 3.1)', password: '\u{1D400}\uFB01', secret: 'SCRAM-SHA-256$4096:U/UiHeEwtgIS3iu3pRe20Q==$GWRyeX+tbZBMRVA7Ir9bcRu3F+TLRFKmktao0/bS1yk=:rZcJTj6iYLynEo08a8nRNJ0l7u2s6Cszgn25VdxbAa8=' },
  { name: 'mathematical dotless i, added in Unicode 5.0 (raw bytes)', password: '\u{1D6A4}\uFB01', secret: 'SCRAM-SHA-256$4096:djwfnGNfk8oL5avRfzRS+g==$5LQuD+wqylpvnnfddlXEVw3B5XVjro/8fa3h25HuuNc=:w8Pc522xSM0g7eRITxyI/YitExa2fQq8puO2emZu/vU=' },
  { name: 'Deseret letter (Unicode 3.1)', password: '\u{10400}\uFB01', secret: 'SCRAM-SHA-256$4096:7L01KylqMTrxVmEaNqBiTQ==$Tk+Yl4H72x6RKkMxx0zYmx+kkTfxnlt80bcHeltqvQY=:AQiFlljJzqV1clo7KsYzkd0h2+0g/XnJhH79YDRFeDU=' },
];

describe('SCRAM password preparation matches PostgreSQL', () => {
  it.each(POSTGRES_SECRETS)('$name', ({ password, secret }) => {
    const stored = parsePostgresScramSecret(secret);
    expect(stored).not.toBeNull();
    if (!stored) return;
    const ours = makeScramVerifier(password, { salt: stored.salt, iterations: stored.iterations });
    expect(ours.storedKey.toString('base64')).toBe(stored.storedKey.toString('base64'));
    expect(ours.serverKey.toString('base64')).toBe(stored.serverKey.toString('base64'));
  });
});

describe('saslPrep', () => {
  it('maps, normalizes and passes ordinary strings', () => {
    expect(saslPrep('I\u00ADX')).toBe('IX');
    expect(saslPrep('user')).toBe('user');
    expect(saslPrep('\u00AA')).toBe('a');
    expect(saslPrep('\u2168')).toBe('IX');
    expect(saslPrep('a\u3000b')).toBe('a b');
  });

  it('prohibits what RFC 4013 prohibits', () => {
    expect(saslPrep('\u0007')).toBeNull();
    expect(saslPrep('a\uE000')).toBeNull();
    expect(saslPrep('a\uFFFF')).toBeNull();
    expect(saslPrep('a\u{1FFFE}')).toBeNull();
    expect(saslPrep('a\uD800')).toBeNull();
    expect(saslPrep('a\u2FF0')).toBeNull();
    expect(saslPrep('a\u200E')).toBeNull();
    expect(saslPrep('a\u{E0041}')).toBeNull();
    expect(saslPrep('a\u0378')).toBeNull();
    expect(saslPrep('\u0627\u0031')).toBeNull();
    expect(saslPrep('\u00AD\u200C')).toBeNull();
  });

  it('uses pure ASCII as it is, control characters included, and falls back to raw bytes', () => {
    expect(scramPasswordBytes('p\u0007ss')).toEqual(Buffer.from('p\u0007ss'));
    expect(scramPasswordBytes('\u2168')).toEqual(Buffer.from('IX'));
    expect(scramPasswordBytes('a\uE000\u2168')).toEqual(Buffer.from('a\uE000\u2168', 'utf8'));
  });
});
