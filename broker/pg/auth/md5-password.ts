import { createHash } from 'node:crypto';

function md5Hex(data: Buffer | string): string {
  return createHash('md5').update(data).digest('hex');
}

/**
 * The PasswordMessage answer to AuthenticationMD5Password: 'md5' + md5(md5(password + user) + salt),
 * where the inner digest is used as its 32 hex characters and the salt as its 4 raw bytes.
 * MD5 is only for legacy upstream servers; it is not used to authenticate local clients.
 */
export function md5PasswordResponse(user: string, password: string, salt: Buffer): string {
  if (salt.length !== 4) throw new RangeError(`MD5 password salt must be 4 bytes, got ${salt.length}`);
  const storedHash = md5Hex(Buffer.from(password + user, 'utf8'));
  return 'md5' + md5Hex(Buffer.concat([Buffer.from(storedHash, 'ascii'), salt]));
}
