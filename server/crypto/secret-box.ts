import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/*
 * Seals secrets at rest with AES-256-GCM under the server's secrets key. Each seal takes a
 * fresh random 96-bit IV (GCM's native size; a repeated IV under one key would leak the
 * keystream), and binds a context string as additional authenticated data: a ciphertext
 * copied into another row (another connection) fails to open instead of yielding its secret.
 */

export const SECRET_BOX_KEY_BYTES = 32;
export const SECRET_BOX_IV_BYTES = 12;
export const SECRET_BOX_TAG_BYTES = 16;

const ALGORITHM = 'aes-256-gcm';

export interface SealedSecret {
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
}

/** The ciphertext, IV, tag or context was altered, or the key is not the one that sealed it. */
export class SecretOpenFailed extends Error {
  constructor(context: string) {
    super(`sealed secret for "${context}" cannot be opened: wrong secrets key, or the stored value was altered`);
    this.name = 'SecretOpenFailed';
  }
}

export interface SecretBox {
  /** `context` (e.g. the connection name) must be given again, identically, to open. */
  seal(plaintext: Uint8Array, context: string): SealedSecret;
  /** Throws SecretOpenFailed unless key, context and every stored byte are the ones sealed. */
  open(sealed: SealedSecret, context: string): Buffer;
}

export function createSecretBox(key: Uint8Array): SecretBox {
  if (key.length !== SECRET_BOX_KEY_BYTES) throw new Error(`the secrets key must be ${SECRET_BOX_KEY_BYTES} bytes (got ${key.length})`);
  // A private copy: the caller's buffer may be zeroed or reused later.
  const ownKey = Buffer.from(key);
  return {
    seal(plaintext, context) {
      const iv = randomBytes(SECRET_BOX_IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, ownKey, iv, { authTagLength: SECRET_BOX_TAG_BYTES });
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return { ciphertext, iv, tag: cipher.getAuthTag() };
    },
    open(sealed, context) {
      // Node would accept a truncated tag (down to 4 bytes) and so weaken the check; refuse it.
      if (sealed.iv.length !== SECRET_BOX_IV_BYTES || sealed.tag.length !== SECRET_BOX_TAG_BYTES) throw new SecretOpenFailed(context);
      const decipher = createDecipheriv(ALGORITHM, ownKey, sealed.iv, { authTagLength: SECRET_BOX_TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(sealed.tag);
      try {
        return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
      } catch {
        throw new SecretOpenFailed(context);
      }
    },
  };
}
