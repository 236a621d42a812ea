import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/** The SCRAM-SHA-256 key derivations of RFC 5802 §3, with SHA-256 as H and HMAC-SHA-256 as HMAC. */

export const SCRAM_SHA_256 = 'SCRAM-SHA-256';
export const SCRAM_KEY_LENGTH = 32;
/** PostgreSQL's SCRAM_DEFAULT_ITERATIONS and SCRAM_DEFAULT_SALT_LEN. */
export const DEFAULT_SCRAM_ITERATIONS = 4096;
export const DEFAULT_SCRAM_SALT_LENGTH = 16;
/** libpq and the PostgreSQL backend both use 18 random bytes, base64-encoded, as their nonce. */
const NONCE_RANDOM_BYTES = 18;

export function hmacSha256(key: Buffer, data: Buffer | string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

export function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

/** Hi(password, salt, i) is PBKDF2 with HMAC as the PRF and one block of output. */
export function saltedPassword(passwordBytes: Buffer, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(passwordBytes, salt, iterations, SCRAM_KEY_LENGTH, 'sha256');
}

export function clientKeyOf(salted: Buffer): Buffer {
  return hmacSha256(salted, 'Client Key');
}

export function serverKeyOf(salted: Buffer): Buffer {
  return hmacSha256(salted, 'Server Key');
}

export function xorBuffers(a: Buffer, b: Buffer): Buffer {
  if (a.length !== b.length) throw new Error('xorBuffers: length mismatch');
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] ?? 0) ^ (b[i] ?? 0);
  return out;
}

export function randomScramNonce(): string {
  return randomBytes(NONCE_RANDOM_BYTES).toString('base64');
}
