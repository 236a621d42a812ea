import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';

// ssh2 is CommonJS and only some of its exports are visible as ES named exports.
const { utils } = ssh2;

/**
 * The upstream host key the server (or the command line) pinned for a connection. The proxy
 * never trusts on first use: a key that differs from the pin refuses the connection.
 */
export interface PinnedHostKey {
  /** ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, … */
  type: string;
  /** The key in SSH wire format (what the base64 in the key line decodes to). */
  blob: Buffer;
  /** `SHA256:…`, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
}

export class HostKeyPinError extends Error {}

/** Accepts `ssh-ed25519 AAAA… [comment]`, or a known_hosts line `host ssh-ed25519 AAAA…`. */
export function parsePinnedHostKey(line: string): PinnedHostKey {
  const fields = line.trim().split(/\s+/);
  const start = fields.findIndex((field, i) => i + 1 < fields.length && /^(ssh-|ecdsa-|sk-)/.test(field) && /^AAAA/.test(fields[i + 1]!));
  if (start === -1) throw new HostKeyPinError('the pinned host key must look like "ssh-ed25519 AAAA…" (a line of a .pub file or of known_hosts)');
  const keyLine = `${fields[start]} ${fields[start + 1]}`;
  const parsed = utils.parseKey(keyLine);
  if (parsed instanceof Error) throw new HostKeyPinError(`the pinned host key cannot be read: ${parsed.message}`);
  const blob = parsed.getPublicSSH();
  return { type: parsed.type, blob, fingerprint: fingerprintOf(blob) };
}

export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside a wire-format key (its first string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const length = blob.readUInt32BE(0);
  return length > 64 || 4 + length > blob.length ? 'unknown' : blob.subarray(4, 4 + length).toString('latin1');
}

/**
 * The host key algorithms to offer so the server presents the pinned key and not another of
 * its keys (which would look like a mismatch although the host is the right one).
 */
export function hostKeyAlgorithmsFor(type: string): string[] {
  return type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type];
}

export function describeMismatch(target: string, pinned: PinnedHostKey, presented: Buffer): string {
  return (
    `upstream host key mismatch for ${target}: the pinned key is ${pinned.type} ${pinned.fingerprint} but the server presented ` +
    `${keyTypeOf(presented)} ${fingerprintOf(presented)}; refusing to connect. If the host was legitimately rebuilt, an administrator must update the pinned key.`
  );
}
