import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkpointSigner } from '../../../server/audit/checkpoint-signing.ts';
import type { CheckpointFields } from '../../../server/audit/checkpoint-signing.ts';

const fields: CheckpointFields = { removedThroughSeq: 120, removedCount: 20, lastRemovedHash: 'ab'.repeat(32) };

describe('checkpointSigner', () => {
  it('signs with HMAC-SHA256 and accepts its own signature', () => {
    const signer = checkpointSigner(randomBytes(32));
    const signature = signer.sign(fields);
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    expect(signer.check(fields, signer.keyId, signature)).toBeNull();
  });

  it('is deterministic for one key and names the key without revealing it', () => {
    const key = randomBytes(32);
    const a = checkpointSigner(key);
    const b = checkpointSigner(Buffer.from(key));
    expect(a.keyId).toBe(b.keyId);
    expect(a.keyId).toMatch(/^hmac-sha256:[0-9a-f]{16}$/);
    expect(a.keyId).not.toContain(key.toString('hex').slice(0, 16));
    expect(a.sign(fields)).toBe(b.sign(fields));
  });

  it('refuses every changed field', () => {
    const signer = checkpointSigner(randomBytes(32));
    const signature = signer.sign(fields);
    for (const changed of [
      { ...fields, removedThroughSeq: 121 },
      { ...fields, removedCount: 19 },
      { ...fields, lastRemovedHash: 'cd'.repeat(32) },
    ]) {
      expect(signer.check(changed, signer.keyId, signature)).toBe('signature does not match the checkpoint');
    }
  });

  it('refuses a malformed signature or one with a flipped bit', () => {
    const signer = checkpointSigner(randomBytes(32));
    const signature = signer.sign(fields);
    const flipped = (parseInt(signature[0]!, 16) ^ 1).toString(16) + signature.slice(1);
    expect(signer.check(fields, signer.keyId, flipped)).not.toBeNull();
    expect(signer.check(fields, signer.keyId, 'sig')).not.toBeNull();
    expect(signer.check(fields, signer.keyId, signature.toUpperCase())).not.toBeNull();
    expect(signer.check(fields, signer.keyId, '')).not.toBeNull();
  });

  it('tells a checkpoint signed with another secrets key apart from a forgery', () => {
    const ours = checkpointSigner(randomBytes(32));
    const theirs = checkpointSigner(randomBytes(32));
    expect(ours.keyId).not.toBe(theirs.keyId);
    expect(ours.check(fields, theirs.keyId, theirs.sign(fields))).toMatch(/signed with key hmac-sha256:[0-9a-f]{16}, not this server's/);
    // Claiming our key id does not help a signature made with another key.
    expect(ours.check(fields, ours.keyId, theirs.sign(fields))).toBe('signature does not match the checkpoint');
  });

  it('refuses a short secrets key', () => {
    expect(() => checkpointSigner(randomBytes(16))).toThrow(/32 bytes/);
  });
});
