import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { md5PasswordResponse } from '../../../broker/pg/auth/md5-password.ts';

const md5Hex = (data: Buffer | string): string => createHash('md5').update(data).digest('hex');

describe('md5PasswordResponse', () => {
  it('follows PostgreSQL\'s algorithm: md5(md5(password || user) as hex || salt)', () => {
    const salt = Buffer.from([0x93, 0x00, 0x7f, 0xff]);
    // The well-known pg_authid entry for user "postgres" with password "postgres".
    const stored = md5Hex('postgrespostgres');
    expect(stored).toBe('3175bce1d3201d16594cebf9d7eb3f9d');
    const expected = 'md5' + md5Hex(Buffer.concat([Buffer.from(stored, 'latin1'), salt]));
    expect(md5PasswordResponse('postgres', 'postgres', salt)).toBe(expected);
    expect(expected).toMatch(/^md5[0-9a-f]{32}$/);
  });

  it('agrees with node-postgres for non-ASCII names and passwords', async () => {
    const utils = createRequire(import.meta.url)('pg/lib/crypto/utils.js') as {
      postgresMd5PasswordHash(user: string, password: string, salt: Buffer): Promise<string>;
    };
    const salt = Buffer.from('a1b2c3d4', 'hex');
    expect(md5PasswordResponse('j\u00f6rg', 'p\u00e4ss w\u00f6rd', salt)).toBe(await utils.postgresMd5PasswordHash('j\u00f6rg', 'p\u00e4ss w\u00f6rd', salt));
  });

  it('depends on the salt, the user and the password', () => {
    const salt = Buffer.from([1, 2, 3, 4]);
    const base = md5PasswordResponse('alice', 'secret', salt);
    expect(md5PasswordResponse('alice', 'secret', Buffer.from([1, 2, 3, 5]))).not.toBe(base);
    expect(md5PasswordResponse('alicf', 'secret', salt)).not.toBe(base);
    expect(md5PasswordResponse('alice', 'secreu', salt)).not.toBe(base);
  });

  it('rejects a salt that is not 4 bytes', () => {
    expect(() => md5PasswordResponse('alice', 'secret', Buffer.alloc(3))).toThrow(RangeError);
  });
});
