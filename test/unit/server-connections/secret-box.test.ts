import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SECRET_BOX_IV_BYTES, SECRET_BOX_TAG_BYTES, SecretOpenFailed, createSecretBox } from '../../../server/crypto/secret-box.ts';
import type { SealedSecret } from '../../../server/crypto/secret-box.ts';

const key = randomBytes(32);
const box = createSecretBox(key);
const secret = Buffer.from('s3cret-Passw0rd!', 'utf8');

function flipBit(buffer: Buffer, index: number): Buffer {
  const copy = Buffer.from(buffer);
  copy[index % copy.length]! ^= 0x01;
  return copy;
}

describe('secret box (AES-256-GCM)', () => {
  it('opens what it sealed, and the ciphertext does not contain the plaintext', () => {
    const sealed = box.seal(secret, 'prod-db');
    expect(sealed.iv).toHaveLength(SECRET_BOX_IV_BYTES);
    expect(sealed.tag).toHaveLength(SECRET_BOX_TAG_BYTES);
    expect(sealed.ciphertext.includes(secret)).toBe(false);
    expect(box.open(sealed, 'prod-db').equals(secret)).toBe(true);
  });

  it('round-trips any bytes under any context', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.string({ maxLength: 64 }), (bytes, context) => {
        expect(box.open(box.seal(bytes, context), context).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('uses a fresh IV each time, so equal secrets do not look equal at rest', () => {
    const first = box.seal(secret, 'prod-db');
    const second = box.seal(secret, 'prod-db');
    expect(first.iv.equals(second.iv)).toBe(false);
    expect(first.ciphertext.equals(second.ciphertext)).toBe(false);
  });

  it('refuses a ciphertext moved to another connection (the context is authenticated)', () => {
    const sealed = box.seal(secret, 'prod-db');
    expect(() => box.open(sealed, 'staging-db')).toThrow(SecretOpenFailed);
  });

  it('detects tampering with any bit of ciphertext, IV or tag', () => {
    const sealed = box.seal(secret, 'prod-db');
    fc.assert(
      fc.property(fc.constantFrom<keyof SealedSecret>('ciphertext', 'iv', 'tag'), fc.nat(), (field, index) => {
        const tampered: SealedSecret = { ...sealed, [field]: flipBit(sealed[field], index) };
        expect(() => box.open(tampered, 'prod-db')).toThrow(SecretOpenFailed);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a truncated tag or a ciphertext cut short', () => {
    const sealed = box.seal(secret, 'prod-db');
    expect(() => box.open({ ...sealed, tag: sealed.tag.subarray(0, 8) }, 'prod-db')).toThrow(SecretOpenFailed);
    expect(() => box.open({ ...sealed, ciphertext: sealed.ciphertext.subarray(1) }, 'prod-db')).toThrow(SecretOpenFailed);
  });

  it('cannot be opened with a different key', () => {
    const sealed = box.seal(secret, 'prod-db');
    const otherBox = createSecretBox(randomBytes(32));
    expect(() => otherBox.open(sealed, 'prod-db')).toThrow(SecretOpenFailed);
    expect(() => box.open(sealed, 'prod-db')).not.toThrow();
  });

  it('keeps its own copy of the key', () => {
    const mutable = randomBytes(32);
    const ownBox = createSecretBox(mutable);
    const sealed = ownBox.seal(secret, 'c');
    mutable.fill(0);
    expect(ownBox.open(sealed, 'c').equals(secret)).toBe(true);
  });

  it('requires a 32-byte key', () => {
    expect(() => createSecretBox(randomBytes(16))).toThrow(/32 bytes/);
    expect(() => createSecretBox(randomBytes(33))).toThrow(/32 bytes/);
  });
});
