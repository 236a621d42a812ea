import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { JWK, JWTPayload } from 'jose';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: KeyPair['privateKey'];
  publicKey: KeyPair['publicKey'];
  publicJwk: JWK;
}

/**
 * A tiny OpenID issuer on 127.0.0.1:0 that serves discovery and a JWKS whose keys the test
 * controls, and counts how often each is fetched.
 */
export interface LocalIssuer {
  issuer: string;
  fetches: { discovery: number; jwks: number };
  /** The keys the JWKS currently publishes. */
  published: SigningKey[];
  sign(claims: JWTPayload, opts?: { key?: SigningKey; header?: Record<string, unknown> }): Promise<string>;
  close(): Promise<void>;
}

export async function createSigningKey(kid: string, alg = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export async function startLocalIssuer(initialKeys: SigningKey[]): Promise<LocalIssuer> {
  const fetches = { discovery: 0, jwks: 0 };
  let issuer = '';
  const state: LocalIssuer = {
    issuer,
    fetches,
    published: [...initialKeys],
    async sign(claims, opts = {}) {
      const key = opts.key ?? state.published[0];
      if (key === undefined) throw new Error('no key to sign with');
      return new SignJWT(claims)
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...opts.header })
        .sign(key.privateKey);
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  const server = createServer((req, res) => {
    const json = (body: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/.well-known/openid-configuration') {
      fetches.discovery += 1;
      json({ issuer, jwks_uri: `${issuer}/jwks`, id_token_signing_alg_values_supported: ['RS256'] });
    } else if (req.url === '/jwks') {
      fetches.jwks += 1;
      json({ keys: state.published.map((key) => key.publicJwk) });
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.issuer = issuer;
  return state;
}
