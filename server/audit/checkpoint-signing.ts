import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from './audit-chain.ts';

/*
 * Retention checkpoints are signed with HMAC-SHA256. The key is derived (HKDF-SHA256) from the
 * server's secrets key with its own label, so the sealing key for credentials is never used
 * for anything else and a checkpoint signature reveals nothing about it. Every replica holds
 * the same secrets key, so any replica can sign and verify. `key_id` names the derived key
 * (a MAC of a fixed label, not the key) so a verifier can tell "signed with a key I do not
 * hold" (the secrets key was rotated) from "forged".
 */

const SIGNING_KEY_INFO = 'gatehouse audit checkpoint signing key v1';
const KEY_ID_LABEL = 'gatehouse audit checkpoint key id';
const ALGORITHM = 'hmac-sha256';

/** What a checkpoint vouches for: the chain's records 1..removedThroughSeq were removed, the last of them hashed lastRemovedHash. */
export interface CheckpointFields {
  removedThroughSeq: number;
  removedCount: number;
  lastRemovedHash: string;
}

export interface CheckpointSigner {
  readonly keyId: string;
  sign(fields: CheckpointFields): string;
  /** null when the signature is good, else why not. */
  check(fields: CheckpointFields, keyId: string, signature: string): string | null;
}

function signedText(fields: CheckpointFields, keyId: string): string {
  return canonicalJson({
    purpose: 'gatehouse-audit-checkpoint',
    keyId,
    removedThroughSeq: fields.removedThroughSeq,
    removedCount: fields.removedCount,
    lastRemovedHash: fields.lastRemovedHash,
  });
}

export function checkpointSigner(secretsKey: Buffer): CheckpointSigner {
  if (secretsKey.length < 32) throw new RangeError('the secrets key must be at least 32 bytes');
  const key = Buffer.from(hkdfSync('sha256', secretsKey, Buffer.alloc(0), SIGNING_KEY_INFO, 32));
  const keyId = `${ALGORITHM}:${createHmac('sha256', key).update(KEY_ID_LABEL).digest('hex').slice(0, 16)}`;
  const mac = (fields: CheckpointFields, id: string): Buffer => createHmac('sha256', key).update(signedText(fields, id)).digest();
  return {
    keyId,
    sign: (fields) => mac(fields, keyId).toString('hex'),
    check: (fields, givenKeyId, signature) => {
      if (givenKeyId !== keyId) return `signed with key ${givenKeyId}, not this server's checkpoint key ${keyId} (was the secrets key changed?)`;
      const given = /^[0-9a-f]{64}$/.test(signature) ? Buffer.from(signature, 'hex') : null;
      if (given === null || !timingSafeEqual(given, mac(fields, keyId))) return 'signature does not match the checkpoint';
      return null;
    },
  };
}
