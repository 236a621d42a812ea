import { decodeProtectedHeader, jwtVerify } from 'jose';
import type { JWTPayload, ProtectedHeaderParameters } from 'jose';
import type { Principal } from '../../shared/api/identity.ts';
import { principalFromClaims } from './principal-from-claims.ts';
import type { RoleMapping } from './principal-from-claims.ts';
import { RemoteKeySet } from './remote-key-set.ts';
import { TokenRejected } from './token-rejected.ts';

export interface TokenVerifierOptions {
  /** Compared exactly with `iss`, and the base of `/.well-known/openid-configuration`. */
  issuer: string;
  /** Must be one of the token's `aud` values. */
  audience: string;
  /** Claim holding the IdP groups; a dotted name is also tried as a path. Default `groups`. */
  groupsClaim?: string;
  roleMapping: RoleMapping;
  /** Tolerance for `exp`, `nbf` and `iat`, in seconds. Default 30. */
  clockSkewSec?: number;
  /** Asymmetric JWS algorithms to accept. Default RS256, PS256, ES256, EdDSA. */
  algorithms?: string[];
  fetch?: typeof fetch;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  /** Minimum milliseconds between JWKS fetches. Default 30 000. */
  jwksRefetchCooldownMs?: number;
}

export interface TokenVerifier {
  /** Resolves to the caller's Principal, or throws TokenRejected. */
  verify(token: string): Promise<Principal>;
  close(): void;
}

export const DEFAULT_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;

/** Far above any real access token; stops us base64-decoding megabytes sent by an attacker. */
const MAX_TOKEN_LENGTH = 16 * 1024;

/** RFC 9068 access tokens say `at+jwt`; many IdPs still say `JWT`. Media-type comparison ignores case and the `application/` prefix. */
const ACCEPTED_TYP = new Set(['at+jwt', 'jwt']);

export function createTokenVerifier(opts: TokenVerifierOptions): TokenVerifier {
  const algorithms = checkedAlgorithms(opts.algorithms ?? [...DEFAULT_ALGORITHMS]);
  const now = opts.now ?? Date.now;
  const clockSkewSec = opts.clockSkewSec ?? 30;
  const groupsClaim = opts.groupsClaim ?? 'groups';
  const keySet = new RemoteKeySet({
    issuer: opts.issuer,
    fetch: opts.fetch ?? globalThis.fetch,
    now,
    refetchCooldownMs: opts.jwksRefetchCooldownMs ?? 30_000,
  });
  let closed = false;

  async function verifiedClaims(token: string): Promise<JWTPayload> {
    if (closed) throw new TokenRejected('verifier is closed');
    if (typeof token !== 'string' || token === '') throw new TokenRejected('no token');
    if (token.length > MAX_TOKEN_LENGTH) throw new TokenRejected(`token is ${token.length} characters long`);

    const header = decodeHeader(token);
    // Checked before any key is looked up: `none` and HS* must never reach a verification with a public key.
    if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) {
      throw new TokenRejected(`alg ${JSON.stringify(header.alg)} is not allowed`);
    }
    if (header.typ !== undefined && !ACCEPTED_TYP.has(header.typ.toLowerCase().replace(/^application\//, ''))) {
      throw new TokenRejected(`typ ${JSON.stringify(header.typ)} is not an access token type`);
    }

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keySet.getKey, {
        issuer: opts.issuer,
        audience: opts.audience,
        algorithms,
        clockTolerance: clockSkewSec,
        currentDate: new Date(now()),
        requiredClaims: ['exp', 'iat', 'sub'],
      }));
    } catch (error) {
      if (error instanceof TokenRejected) throw error;
      throw new TokenRejected(describeJoseError(error), { cause: error });
    }
    // jose checks `iat` only against a maximum age; a token from the future means a broken or forging issuer.
    if (typeof payload.iat === 'number' && payload.iat > Math.floor(now() / 1000) + clockSkewSec) {
      throw new TokenRejected('iat is in the future');
    }
    return payload;
  }

  return {
    async verify(token) {
      return principalFromClaims(await verifiedClaims(token), { groupsClaim, roleMapping: opts.roleMapping });
    },
    close() {
      closed = true;
      keySet.close();
    },
  };
}

/** Refuses configurations that would let a forged token through, rather than silently ignoring them. */
function checkedAlgorithms(algorithms: string[]): string[] {
  if (algorithms.length === 0) throw new Error('token verifier: at least one algorithm is required');
  for (const alg of algorithms) {
    // HS* would let anyone holding the (public) JWKS mint tokens; `none` needs no key at all.
    if (alg.toLowerCase() === 'none' || /^HS/i.test(alg)) {
      throw new Error(`token verifier: algorithm ${alg} is never accepted`);
    }
  }
  return [...algorithms];
}

function decodeHeader(token: string): ProtectedHeaderParameters {
  if (token.split('.').length !== 3) throw new TokenRejected('token is not a compact JWS');
  try {
    return decodeProtectedHeader(token);
  } catch (error) {
    throw new TokenRejected('token header is malformed', { cause: error });
  }
}

function describeJoseError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
