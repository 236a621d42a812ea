import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, exportSPKI } from 'jose';
import type { JWTPayload } from 'jose';
import { createTokenVerifier } from '../../../server/auth/token-verifier.ts';
import type { TokenVerifier, TokenVerifierOptions } from '../../../server/auth/token-verifier.ts';
import { TokenRejected } from '../../../server/auth/token-rejected.ts';
import { createSigningKey, startLocalIssuer } from './local-issuer.ts';
import type { LocalIssuer, SigningKey } from './local-issuer.ts';

const AUDIENCE = 'https://gatehouse.test/api';
const ROLE_MAPPING = { admin: ['admins'], auditor: ['auditors'], analyst: ['analysts'], approverGroups: ['db-approvers', 'ssh-approvers'] };

let idp: LocalIssuer;
let k1: SigningKey;
let k2: SigningKey;
let stranger: SigningKey;
let es256: SigningKey;
let clockMs: number;
const verifiers: TokenVerifier[] = [];

beforeAll(async () => {
  [k1, k2, stranger, es256] = await Promise.all([
    createSigningKey('k1'),
    createSigningKey('k2'),
    // Same kid as the real key: only the signature tells them apart.
    createSigningKey('k1'),
    createSigningKey('ec1', 'ES256'),
  ]);
  idp = await startLocalIssuer([k1, es256]);
});

afterAll(async () => {
  await idp.close();
});

afterEach(() => {
  for (const verifier of verifiers.splice(0)) verifier.close();
  idp.published = [k1, es256];
  idp.fetches.discovery = 0;
  idp.fetches.jwks = 0;
});

function nowSec(): number {
  return Math.floor(clockMs / 1000);
}

function makeVerifier(overrides: Partial<TokenVerifierOptions> = {}): TokenVerifier {
  clockMs = Date.now();
  const verifier = createTokenVerifier({ issuer: idp.issuer, audience: AUDIENCE, roleMapping: ROLE_MAPPING, now: () => clockMs, ...overrides });
  verifiers.push(verifier);
  return verifier;
}

function humanClaims(extra: JWTPayload = {}): JWTPayload {
  return {
    iss: idp.issuer,
    aud: AUDIENCE,
    sub: 'u-1001',
    preferred_username: 'alice',
    email: 'alice@example.test',
    groups: ['analysts'],
    iat: nowSec(),
    exp: nowSec() + 300,
    ...extra,
  };
}

async function expectRejected(promise: Promise<unknown>, reason: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TokenRejected);
  expect((error as TokenRejected).reason).toMatch(reason);
  // The message is what might leak to a client; it must not say which check failed.
  expect((error as TokenRejected).message).toBe('access token rejected');
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('createTokenVerifier: valid tokens', () => {
  it('turns a valid analyst token into a principal', async () => {
    const verifier = makeVerifier();
    const principal = await verifier.verify(await idp.sign(humanClaims()));
    expect(principal).toEqual({
      subject: 'u-1001',
      name: 'alice',
      groups: ['analysts'],
      roles: ['analyst'],
      approverGroups: [],
      machine: false,
    });
  });

  it('maps admins, auditors and approvers, and keeps only approver groups in approverGroups', async () => {
    const verifier = makeVerifier();
    const token = await idp.sign(humanClaims({ groups: ['admins', 'auditors', 'db-approvers', 'staff'] }));
    const principal = await verifier.verify(token);
    expect(principal.roles).toEqual(['admin', 'approver', 'auditor']);
    expect(principal.approverGroups).toEqual(['db-approvers']);
    expect(principal.groups).toEqual(['admins', 'auditors', 'db-approvers', 'staff']);
  });

  it('accepts an audience array that contains the audience, and ES256 keys', async () => {
    const verifier = makeVerifier();
    const token = await idp.sign(humanClaims({ aud: ['other-api', AUDIENCE] }), { key: es256 });
    expect((await verifier.verify(token)).roles).toEqual(['analyst']);
  });

  it('reads groups from a configurable claim, given as a space- or comma-separated string', async () => {
    const verifier = makeVerifier({ groupsClaim: 'https://gatehouse.test/groups' });
    const token = await idp.sign(humanClaims({ groups: undefined, 'https://gatehouse.test/groups': 'db-approvers, analysts auditors' }));
    const principal = await verifier.verify(token);
    expect(principal.groups).toEqual(['db-approvers', 'analysts', 'auditors']);
    expect(principal.roles).toEqual(['approver', 'auditor', 'analyst']);
  });

  it('accepts typ JWT and application/at+jwt, and tokens just past exp within the clock skew', async () => {
    const verifier = makeVerifier();
    const plainJwt = await idp.sign(humanClaims(), { header: { typ: 'JWT' } });
    const mediaType = await idp.sign(humanClaims({ exp: nowSec() - 20 }), { header: { typ: 'application/at+jwt' } });
    await expect(verifier.verify(plainJwt)).resolves.toMatchObject({ subject: 'u-1001' });
    await expect(verifier.verify(mediaType)).resolves.toMatchObject({ subject: 'u-1001' });
  });

  it('marks client-credentials tokens as machine analysts even without groups', async () => {
    const verifier = makeVerifier();
    const byGty = await idp.sign({ ...humanClaims(), preferred_username: undefined, email: undefined, groups: undefined, sub: 'ci-bot', gty: 'client_credentials' });
    const bySubject = await idp.sign({
      ...humanClaims(),
      preferred_username: undefined,
      email: undefined,
      groups: undefined,
      sub: 'etl-agent',
      client_id: 'etl-agent',
    });
    await expect(verifier.verify(byGty)).resolves.toEqual({
      subject: 'ci-bot',
      name: 'ci-bot',
      groups: [],
      roles: ['analyst'],
      approverGroups: [],
      machine: true,
    });
    await expect(verifier.verify(bySubject)).resolves.toMatchObject({ machine: true, roles: ['analyst'], name: 'etl-agent' });
  });

  it('does not treat a person whose sub equals the client id as a machine', async () => {
    const verifier = makeVerifier();
    const token = await idp.sign(humanClaims({ sub: 'desktop', azp: 'desktop', groups: [] }));
    await expect(verifier.verify(token)).resolves.toMatchObject({ machine: false, roles: [] });
  });

  it('fetches discovery and the JWKS once for many tokens', async () => {
    const verifier = makeVerifier();
    await Promise.all(Array.from({ length: 10 }, async () => verifier.verify(await idp.sign(humanClaims()))));
    await verifier.verify(await idp.sign(humanClaims()));
    expect(idp.fetches).toEqual({ discovery: 1, jwks: 1 });
  });
});

describe('createTokenVerifier: rejections', () => {
  it('rejects a token signed by another key under the same kid', async () => {
    const verifier = makeVerifier();
    await expectRejected(verifier.verify(await idp.sign(humanClaims(), { key: stranger })), /signature verification failed/);
  });

  it('rejects a tampered payload', async () => {
    const verifier = makeVerifier();
    const [header, , signature] = (await idp.sign(humanClaims())).split('.');
    const tampered = `${header}.${base64url(humanClaims({ groups: ['admins'] }))}.${signature}`;
    await expectRejected(verifier.verify(tampered), /signature verification failed/);
  });

  it('rejects an expired token beyond the clock skew', async () => {
    const verifier = makeVerifier();
    await expectRejected(verifier.verify(await idp.sign(humanClaims({ iat: nowSec() - 600, exp: nowSec() - 31 }))), /exp/);
  });

  it('rejects a token whose nbf is in the future', async () => {
    const verifier = makeVerifier();
    await expectRejected(verifier.verify(await idp.sign(humanClaims({ nbf: nowSec() + 120 }))), /nbf/);
  });

  it('rejects a token whose iat is in the future', async () => {
    const verifier = makeVerifier();
    await expectRejected(verifier.verify(await idp.sign(humanClaims({ iat: nowSec() + 120, exp: nowSec() + 600 }))), /iat is in the future/);
  });

  it('rejects a token without exp', async () => {
    const verifier = makeVerifier();
    await expectRejected(verifier.verify(await idp.sign(humanClaims({ exp: undefined }))), /exp/);
  });

  it('rejects the wrong audience', async () => {
    const verifier = makeVerifier();
    await expectRejected(verifier.verify(await idp.sign(humanClaims({ aud: 'https://other.test/api' }))), /aud/);
  });

  it('rejects the wrong issuer, even one differing by a trailing slash', async () => {
    const verifier = makeVerifier();
    await expectRejected(verifier.verify(await idp.sign(humanClaims({ iss: `${idp.issuer}/` }))), /iss/);
    await expectRejected(verifier.verify(await idp.sign(humanClaims({ iss: 'https://evil.test' }))), /iss/);
  });

  it('rejects alg none', async () => {
    const verifier = makeVerifier();
    const unsigned = `${base64url({ alg: 'none', typ: 'at+jwt' })}.${base64url(humanClaims({ groups: ['admins'] }))}.`;
    await expectRejected(verifier.verify(unsigned), /alg "none" is not allowed/);
    expect(idp.fetches.jwks).toBe(0);
  });

  it('rejects HS256 signed with the public key PEM as the secret', async () => {
    const verifier = makeVerifier();
    const pem = await exportSPKI(k1.publicKey);
    const forged = await new SignJWT(humanClaims({ groups: ['admins'] }))
      .setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'at+jwt' })
      .sign(new TextEncoder().encode(pem));
    await expectRejected(verifier.verify(forged), /alg "HS256" is not allowed/);
  });

  it('refuses to be configured with none or HS* algorithms', () => {
    expect(() => makeVerifier({ algorithms: ['RS256', 'HS256'] })).toThrow(/never accepted/);
    expect(() => makeVerifier({ algorithms: ['none'] })).toThrow(/never accepted/);
  });

  it('rejects a typ that is not an access token type', async () => {
    const verifier = makeVerifier();
    await expectRejected(verifier.verify(await idp.sign(humanClaims(), { header: { typ: 'dpop+jwt' } })), /typ/);
  });

  it('rejects a token whose groups claim is malformed', async () => {
    const verifier = makeVerifier();
    await expectRejected(verifier.verify(await idp.sign(humanClaims({ groups: ['analysts', 7] as unknown as string[] }))), /non-string/);
  });

  it('rejects garbage and a closed verifier', async () => {
    const verifier = makeVerifier();
    await expectRejected(verifier.verify('not-a-jwt'), /compact JWS/);
    await expectRejected(verifier.verify(`${'a'.repeat(20_000)}.b.c`), /characters long/);
    const token = await idp.sign(humanClaims());
    verifier.close();
    await expectRejected(verifier.verify(token), /closed/);
  });
});

describe('createTokenVerifier: key rotation and the JWKS re-fetch limit', () => {
  it('rejects an unknown kid without re-fetching inside the cooldown, then re-fetches once after it', async () => {
    const verifier = makeVerifier();
    await verifier.verify(await idp.sign(humanClaims()));
    expect(idp.fetches.jwks).toBe(1);

    // A flood of tokens with a kid nobody published must not reach the IdP at all.
    const unknown = await idp.sign(humanClaims(), { key: k2 });
    await Promise.all(Array.from({ length: 25 }, () => expectRejected(verifier.verify(unknown), /kid "k2".*rate-limited/)));
    expect(idp.fetches.jwks).toBe(1);

    // The IdP rotates in k2; after the cooldown one fetch (shared by all concurrent callers) picks it up.
    idp.published = [k1, k2];
    clockMs += 31_000;
    const rotated = await Promise.all(Array.from({ length: 25 }, async () => verifier.verify(await idp.sign(humanClaims(), { key: k2 }))));
    expect(rotated.every((principal) => principal.name === 'alice')).toBe(true);
    expect(idp.fetches.jwks).toBe(2);

    // Right after that fetch, another unknown kid is refused without a third one.
    const k3 = await createSigningKey('k3');
    await expectRejected(verifier.verify(await idp.sign(humanClaims(), { key: k3 })), /kid "k3"/);
    expect(idp.fetches.jwks).toBe(2);
    expect(idp.fetches.discovery).toBe(1);
  });

  it('stops trusting a removed key once the cached JWKS is older than its max age', async () => {
    const verifier = makeVerifier();
    await verifier.verify(await idp.sign(humanClaims()));
    idp.published = [k2];
    clockMs += 11 * 60_000;
    await expectRejected(verifier.verify(await idp.sign(humanClaims(), { key: k1 })), /kid "k1"/);
    await expect(verifier.verify(await idp.sign(humanClaims(), { key: k2 }))).resolves.toMatchObject({ name: 'alice' });
    expect(idp.fetches.jwks).toBe(2);
  });

  it('rejects a discovery document that names another issuer', async () => {
    const lyingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).endsWith('/.well-known/openid-configuration')) return response;
      const body = (await response.json()) as Record<string, unknown>;
      return Response.json({ ...body, issuer: 'https://evil.test' });
    };
    const verifier = makeVerifier({ fetch: lyingFetch });
    await expectRejected(verifier.verify(await idp.sign(humanClaims())), /keys unavailable/);
    expect(idp.fetches.jwks).toBe(0);
  });

  it('does not hammer an unreachable IdP: one attempt per cooldown', async () => {
    let calls = 0;
    const downFetch: typeof fetch = async () => {
      calls += 1;
      throw new TypeError('fetch failed: ECONNREFUSED');
    };
    const verifier = makeVerifier({ fetch: downFetch });
    const token = await idp.sign(humanClaims());
    await expectRejected(verifier.verify(token), /keys unavailable/);
    await Promise.all(Array.from({ length: 10 }, () => expectRejected(verifier.verify(token), /rate-limited/)));
    expect(calls).toBe(1);
    clockMs += 31_000;
    await expectRejected(verifier.verify(token), /keys unavailable/);
    expect(calls).toBe(2);
  });
});
