import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/*
 * Who may open the `gatehouse ui` bridge: only this machine (loopback), only the page we serve
 * (its exact origin, and the Host we listen on, which also defeats DNS rebinding), and only with
 * the random token from the printed URL. Any one failing refuses the connection.
 */

export interface BridgeAccessRule {
  /** The token from the printed URL. */
  token: string;
  /** `http://127.0.0.1:PORT`: the only Origin (and, without the scheme, the only Host) accepted. */
  origin: string;
}

export interface BridgeRequest {
  remoteAddress: string | undefined;
  host: string | undefined;
  origin: string | undefined;
  /** The request target, e.g. `/bridge?token=…`. */
  url: string | undefined;
}

export type AccessVerdict = { ok: true } | { ok: false; status: 401 | 403 | 404; reason: string };

export const BRIDGE_PATH = '/bridge';

export function checkBridgeAccess(rule: BridgeAccessRule, request: BridgeRequest): AccessVerdict {
  if (!isLoopbackAddress(request.remoteAddress)) return { ok: false, status: 403, reason: 'not from this machine' };
  if (!hostMatches(rule.origin, request.host)) return { ok: false, status: 403, reason: 'unexpected Host header' };
  if (request.origin !== rule.origin) return { ok: false, status: 403, reason: 'unexpected Origin' };
  const target = new URL(request.url ?? '/', rule.origin);
  if (target.pathname !== BRIDGE_PATH) return { ok: false, status: 404, reason: 'no such endpoint' };
  if (!tokenMatches(rule.token, target.searchParams.get('token'))) return { ok: false, status: 401, reason: 'missing or wrong token' };
  return { ok: true };
}

/** 127.0.0.0/8 and ::1, including IPv4-mapped IPv6 forms. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) return v4.split('.')[0] === '127';
  return address === '::1' || address === '0:0:0:0:0:0:0:1';
}

/** HTTP requests too: a page served under a rebound DNS name must not get our files. */
export function hostMatches(origin: string, host: string | undefined): boolean {
  return host !== undefined && host.toLowerCase() === new URL(origin).host;
}

/** Constant-time for equal lengths; the hashes make unequal lengths constant-time too. */
export function tokenMatches(expected: string, given: string | null): boolean {
  if (given === null || given === '') return false;
  const a = createHash('sha256').update(expected, 'utf8').digest();
  const b = createHash('sha256').update(given, 'utf8').digest();
  return timingSafeEqual(a, b) && expected.length === given.length;
}
