import { randomBytes } from 'node:crypto';
import { scramPasswordBytes } from './saslprep.ts';
import {
  DEFAULT_SCRAM_ITERATIONS,
  DEFAULT_SCRAM_SALT_LENGTH,
  SCRAM_KEY_LENGTH,
  SCRAM_SHA_256,
  clientKeyOf,
  saltedPassword,
  serverKeyOf,
  sha256,
} from './scram-crypto.ts';
import { decodeBase64Strictly } from './scram-message.ts';

/** What a SCRAM server stores instead of the password (RFC 5802 §3); enough to verify, not to log in. */
export interface ScramVerifier {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

export function makeScramVerifier(password: string, opts: { iterations?: number; salt?: Buffer } = {}): ScramVerifier {
  const iterations = opts.iterations ?? DEFAULT_SCRAM_ITERATIONS;
  if (!Number.isSafeInteger(iterations) || iterations < 1) {
    throw new RangeError(`SCRAM iteration count must be a positive integer, got ${iterations}`);
  }
  const salt = opts.salt ?? randomBytes(DEFAULT_SCRAM_SALT_LENGTH);
  if (salt.length === 0) throw new RangeError('SCRAM salt must not be empty');
  const salted = saltedPassword(scramPasswordBytes(password), salt, iterations);
  return {
    salt: Buffer.from(salt),
    iterations,
    storedKey: sha256(clientKeyOf(salted)),
    serverKey: serverKeyOf(salted),
  };
}

/** PostgreSQL's `pg_authid.rolpassword` form: `SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>`. */
export function formatPostgresScramSecret(verifier: ScramVerifier): string {
  const b64 = (b: Buffer): string => b.toString('base64');
  return `${SCRAM_SHA_256}$${verifier.iterations}:${b64(verifier.salt)}$${b64(verifier.storedKey)}:${b64(verifier.serverKey)}`;
}

/** Parses PostgreSQL's SCRAM secret form; null if `secret` is not one. */
export function parsePostgresScramSecret(secret: string): ScramVerifier | null {
  const match = /^SCRAM-SHA-256\$(\d+):([^$:]+)\$([^$:]+):([^$:]+)$/.exec(secret);
  if (!match) return null;
  const [, iterationsText = '', saltText = '', storedKeyText = '', serverKeyText = ''] = match;
  const iterations = Number(iterationsText);
  const salt = decodeBase64Strictly(saltText);
  const storedKey = decodeBase64Strictly(storedKeyText);
  const serverKey = decodeBase64Strictly(serverKeyText);
  if (!Number.isSafeInteger(iterations) || iterations < 1) return null;
  if (!salt || salt.length === 0) return null;
  if (storedKey?.length !== SCRAM_KEY_LENGTH || serverKey?.length !== SCRAM_KEY_LENGTH) return null;
  return { salt, iterations, storedKey, serverKey };
}
