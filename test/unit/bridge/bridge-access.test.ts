import { describe, expect, it } from 'vitest';
import { checkBridgeAccess, hostMatches, isLoopbackAddress, tokenMatches } from '../../../broker/ui/bridge-access.ts';

const rule = { token: 'k3y-0f-32-bytes-base64url-aaaaaaaaaaaaaa', origin: 'http://127.0.0.1:4321' };
const good = { remoteAddress: '127.0.0.1', host: '127.0.0.1:4321', origin: 'http://127.0.0.1:4321', url: `/bridge?token=${rule.token}` };

describe('bridge access', () => {
  it('lets the served page in with the right token', () => {
    expect(checkBridgeAccess(rule, good)).toEqual({ ok: true });
    expect(checkBridgeAccess(rule, { ...good, remoteAddress: '::ffff:127.0.0.1' })).toEqual({ ok: true });
    expect(checkBridgeAccess(rule, { ...good, remoteAddress: '::1' })).toEqual({ ok: true });
  });

  it('refuses other machines, whatever else is right', () => {
    for (const remoteAddress of ['10.0.0.5', '192.168.1.2', '::ffff:10.0.0.5', 'fe80::1', undefined]) {
      expect(checkBridgeAccess(rule, { ...good, remoteAddress })).toMatchObject({ ok: false, status: 403 });
    }
  });

  it('refuses any other Origin, and requests without one', () => {
    for (const origin of ['http://localhost:4321', 'http://127.0.0.1:4322', 'https://127.0.0.1:4321', 'http://evil.example', 'null', undefined]) {
      expect(checkBridgeAccess(rule, { ...good, origin })).toMatchObject({ ok: false, status: 403, reason: 'unexpected Origin' });
    }
  });

  it('refuses a Host other than the one listened on (DNS rebinding)', () => {
    for (const host of ['evil.example:4321', 'localhost:4321', '127.0.0.1', undefined]) {
      expect(checkBridgeAccess(rule, { ...good, host })).toMatchObject({ ok: false, status: 403 });
    }
    expect(hostMatches(rule.origin, '127.0.0.1:4321')).toBe(true);
  });

  it('refuses a missing, empty, wrong, prefixed or extended token with 401', () => {
    for (const url of ['/bridge', '/bridge?token=', `/bridge?token=${rule.token.slice(0, -1)}`, `/bridge?token=${rule.token}x`, `/bridge?token=${rule.token.toUpperCase()}`, `/bridge?tok=${rule.token}`]) {
      expect(checkBridgeAccess(rule, { ...good, url })).toMatchObject({ ok: false, status: 401 });
    }
    expect(checkBridgeAccess(rule, { ...good, url: `/other?token=${rule.token}` })).toMatchObject({ ok: false, status: 404 });
  });

  it('compares tokens exactly', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abc', 'abd')).toBe(false);
    expect(tokenMatches('abc', 'ab')).toBe(false);
    expect(tokenMatches('abc', null)).toBe(false);
    expect(tokenMatches('abc', '')).toBe(false);
  });

  it('knows loopback addresses', () => {
    expect(isLoopbackAddress('127.8.9.10')).toBe(true);
    expect(isLoopbackAddress('128.0.0.1')).toBe(false);
    expect(isLoopbackAddress('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('::2')).toBe(false);
  });
});
