import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ScramClientSession } from '../../../broker/pg/auth/scram-client.ts';
import { ScramServerSession, makeScramVerifier } from '../../../broker/pg/auth/scram-server.ts';
import type { ScramVerifier } from '../../../broker/pg/auth/scram-server.ts';
import { formatPostgresScramSecret, parsePostgresScramSecret } from '../../../broker/pg/auth/scram-verifier.ts';

const PASSWORD = 'correct horse battery staple';
const verifier = makeScramVerifier(PASSWORD);

function serverFirstFor(server: ScramServerSession, clientFirst: Buffer): Buffer {
  const result = server.handleClientFirst('SCRAM-SHA-256', clientFirst);
  if (!result.ok) throw new Error(`server refused client-first: ${result.reason}`);
  return result.serverFirst;
}

/** RFC 5802 §3 written out with node:crypto, independently of the code under test. */
function clientProofByHand(password: string, v: ScramVerifier, authMessage: string): string {
  const salted = pbkdf2Sync(password, v.salt, v.iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const signature = createHmac('sha256', storedKey).update(authMessage).digest();
  return Buffer.from(clientKey.map((byte, i) => byte ^ (signature[i] ?? 0))).toString('base64');
}

function flipLastByteOfProof(clientFinal: Buffer): Buffer {
  const text = clientFinal.toString();
  const proofAt = text.lastIndexOf(',p=') + 3;
  const proof = Buffer.from(text.slice(proofAt), 'base64');
  proof[proof.length - 1] = (proof[proof.length - 1] ?? 0) ^ 0x01;
  return Buffer.from(text.slice(0, proofAt) + proof.toString('base64'));
}

describe('ScramServerSession and ScramClientSession together', () => {
  it('authenticate each other with the right password', () => {
    const server = new ScramServerSession(verifier);
    const client = new ScramClientSession(PASSWORD);
    const serverFirst = serverFirstFor(server, client.clientFirst());
    const final = server.handleClientFinal(client.handleServerFirst(serverFirst));
    expect(final.ok).toBe(true);
    if (!final.ok) return;
    client.verifyServerFinal(final.serverFinal);
    expect(server.succeeded).toBe(true);
    expect(client.verified).toBe(true);
  });

  it('uses fresh random nonces that extend each other', () => {
    const client = new ScramClientSession(PASSWORD);
    const clientNonce = client.clientFirst().toString().split('r=')[1] ?? '';
    const serverFirst = serverFirstFor(new ScramServerSession(verifier), Buffer.from(`n,,n=,r=${clientNonce}`)).toString();
    const combined = /^r=([^,]+),/.exec(serverFirst)?.[1] ?? '';
    expect(clientNonce).toMatch(/^[A-Za-z0-9+/]{24}$/);
    expect(combined.startsWith(clientNonce)).toBe(true);
    expect(combined.length).toBeGreaterThan(clientNonce.length);
    expect(new ScramClientSession(PASSWORD).clientFirst().toString()).not.toContain(clientNonce);
  });

  it('the server refuses a wrong password with SQLSTATE 28P01 and stays failed', () => {
    const server = new ScramServerSession(verifier);
    const client = new ScramClientSession('Correct horse battery staple');
    const serverFirst = serverFirstFor(server, client.clientFirst());
    const clientFinal = client.handleServerFirst(serverFirst);
    expect(server.handleClientFinal(clientFinal)).toEqual({ ok: false, reason: 'password authentication failed', sqlState: '28P01' });
    expect(server.succeeded).toBe(false);
    expect(server.handleClientFinal(clientFinal).ok).toBe(false);
  });

  it('the server refuses a tampered proof', () => {
    const server = new ScramServerSession(verifier);
    const client = new ScramClientSession(PASSWORD);
    const clientFinal = client.handleServerFirst(serverFirstFor(server, client.clientFirst()));
    const result = server.handleClientFinal(flipLastByteOfProof(clientFinal));
    expect(result).toMatchObject({ ok: false, sqlState: '28P01' });
  });

  it('the server refuses a proof replayed into a different exchange', () => {
    const nonce = 'fixedclientnonce';
    const first = new ScramServerSession(verifier);
    const client = new ScramClientSession(PASSWORD, { nonce });
    const clientFinal = client.handleServerFirst(serverFirstFor(first, client.clientFirst()));
    expect(first.handleClientFinal(clientFinal).ok).toBe(true);

    const second = new ScramServerSession(verifier);
    serverFirstFor(second, Buffer.from(`n,,n=,r=${nonce}`));
    expect(second.handleClientFinal(clientFinal)).toMatchObject({ ok: false, reason: 'SCRAM nonce does not match' });
  });

  it('the server refuses a client-final whose nonce or channel-binding echo was altered', () => {
    const run = (edit: (text: string) => string) => {
      const server = new ScramServerSession(verifier);
      const client = new ScramClientSession(PASSWORD);
      const clientFinal = client.handleServerFirst(serverFirstFor(server, client.clientFirst())).toString();
      return server.handleClientFinal(Buffer.from(edit(clientFinal)));
    };
    expect(run((t) => t.replace(/,r=([^,]+)/, ',r=$1x'))).toMatchObject({ ok: false, reason: 'SCRAM nonce does not match' });
    // "y,," instead of the "n,," the client announced: a channel-binding downgrade signal mismatch.
    expect(run((t) => t.replace('c=biws', 'c=eSws'))).toMatchObject({ ok: false, reason: 'SCRAM channel binding check failed' });
    expect(run((t) => t.replace('c=biws', 'c=biws!'))).toMatchObject({ ok: false, reason: 'SCRAM channel binding check failed' });
    expect(run((t) => t.replace(/,p=.*$/, ''))).toMatchObject({ ok: false, sqlState: '08P01' });
    expect(run((t) => t.replace(/,p=/, ',p=AAAA'))).toMatchObject({ ok: false, sqlState: '08P01' });
  });

  it('the server refuses a client that requires channel binding (p=)', () => {
    const server = new ScramServerSession(verifier);
    const result = server.handleClientFirst('SCRAM-SHA-256', Buffer.from('p=tls-server-end-point,,n=,r=abc'));
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('channel binding') });
  });

  it('the server refuses the -PLUS mechanism and unknown mechanisms', () => {
    const plus = new ScramServerSession(verifier).handleClientFirst('SCRAM-SHA-256-PLUS', Buffer.from('p=tls-server-end-point,,n=,r=abc'));
    expect(plus).toMatchObject({ ok: false, reason: expect.stringContaining('channel binding was not offered') });
    const other = new ScramServerSession(verifier).handleClientFirst('SCRAM-SHA-1', Buffer.from('n,,n=,r=abc'));
    expect(other).toMatchObject({ ok: false, sqlState: '08P01' });
  });

  it('the server accepts "y,," (client could bind, server did not offer) and expects it echoed in c=', () => {
    const server = new ScramServerSession(verifier);
    const clientFirstBare = 'n=,r=clientnonceY';
    const serverFirst = serverFirstFor(server, Buffer.from(`y,,${clientFirstBare}`)).toString();
    const nonce = /^r=([^,]+),/.exec(serverFirst)?.[1] ?? '';
    const withoutProof = `c=${Buffer.from('y,,').toString('base64')},r=${nonce}`;
    const proof = clientProofByHand(PASSWORD, verifier, `${clientFirstBare},${serverFirst},${withoutProof}`);
    expect(server.handleClientFinal(Buffer.from(`${withoutProof},p=${proof}`)).ok).toBe(true);
  });

  it('the server refuses authzid, mandatory extensions, bad nonces and garbage', () => {
    const refuse = (data: string) => new ScramServerSession(verifier).handleClientFirst('SCRAM-SHA-256', Buffer.from(data));
    expect(refuse('n,a=admin,n=,r=abc')).toMatchObject({ ok: false, sqlState: '0A000' });
    expect(refuse('n,,m=ext,n=,r=abc')).toMatchObject({ ok: false, sqlState: '0A000' });
    expect(refuse('n,,n=,r=')).toMatchObject({ ok: false, sqlState: '08P01' });
    expect(refuse('n,,n=,r=ab\u00e9')).toMatchObject({ ok: false, sqlState: '08P01' });
    expect(refuse('n,,r=abc')).toMatchObject({ ok: false, sqlState: '08P01' });
    expect(refuse('x,,n=,r=abc')).toMatchObject({ ok: false, sqlState: '08P01' });
    expect(refuse('n,,n=,r=a\0bc')).toMatchObject({ ok: false, sqlState: '08P01' });
    expect(refuse('')).toMatchObject({ ok: false, sqlState: '08P01' });
  });

  it('the server ignores the username and optional extensions in client-first', () => {
    const server = new ScramServerSession(verifier);
    const result = server.handleClientFirst('SCRAM-SHA-256', Buffer.from('n,,n=someone-else,r=abc,x=extension'));
    expect(result.ok).toBe(true);
  });

  it('the server enforces message order', () => {
    const server = new ScramServerSession(verifier);
    expect(server.handleClientFinal(Buffer.from('c=biws,r=abc,p=AAAA')).ok).toBe(false);
    const again = new ScramServerSession(verifier);
    serverFirstFor(again, Buffer.from('n,,n=,r=abc'));
    expect(again.handleClientFirst('SCRAM-SHA-256', Buffer.from('n,,n=,r=abc')).ok).toBe(false);
  });
});

describe('ScramClientSession against a misbehaving server', () => {
  const NONCE = 'clientnonce';
  const serverFirst = (fields: string) => Buffer.from(fields);
  const afterClientFirst = (opts: { minIterations?: number; maxIterations?: number } = {}) => {
    const client = new ScramClientSession(PASSWORD, { nonce: NONCE, ...opts });
    client.clientFirst();
    return client;
  };

  it('chooses only plain SCRAM-SHA-256, never -PLUS', () => {
    const client = new ScramClientSession(PASSWORD);
    expect(client.chooseMechanism(['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256'])).toBe('SCRAM-SHA-256');
    expect(client.chooseMechanism(['SCRAM-SHA-256-PLUS'])).toBeNull();
    expect(client.chooseMechanism(['SCRAM-SHA-1', 'OAUTHBEARER'])).toBeNull();
    expect(client.chooseMechanism([])).toBeNull();
  });

  it('refuses a server nonce that does not extend the client nonce', () => {
    expect(() => afterClientFirst().handleServerFirst(serverFirst('r=othernonce123,s=c2FsdA==,i=4096'))).toThrow(/nonce/);
    expect(() => afterClientFirst().handleServerFirst(serverFirst(`r=${NONCE},s=c2FsdA==,i=4096`))).toThrow(/nonce/);
  });

  it('refuses iteration counts outside the allowed range', () => {
    expect(() => afterClientFirst().handleServerFirst(serverFirst(`r=${NONCE}x,s=c2FsdA==,i=999`))).toThrow(/below the minimum/);
    expect(() => afterClientFirst().handleServerFirst(serverFirst(`r=${NONCE}x,s=c2FsdA==,i=10000001`))).toThrow(/above the maximum/);
    expect(() => afterClientFirst().handleServerFirst(serverFirst(`r=${NONCE}x,s=c2FsdA==,i=0`))).toThrow(/iteration count/);
    expect(() => afterClientFirst().handleServerFirst(serverFirst(`r=${NONCE}x,s=c2FsdA==,i=4096abc`))).toThrow(/iteration count/);
    expect(() => afterClientFirst({ minIterations: 4096 }).handleServerFirst(serverFirst(`r=${NONCE}x,s=c2FsdA==,i=4095`))).toThrow(/below/);
    expect(afterClientFirst().handleServerFirst(serverFirst(`r=${NONCE}x,s=c2FsdA==,i=1000`)).toString()).toMatch(/^c=biws,r=clientnoncex,p=/);
  });

  it('refuses malformed server-first messages', () => {
    const attempt = (text: string) => () => afterClientFirst().handleServerFirst(serverFirst(text));
    expect(attempt(`r=${NONCE}x,s=,i=4096`)).toThrow(/salt/);
    expect(attempt(`r=${NONCE}x,s=not*base64,i=4096`)).toThrow(/salt/);
    expect(attempt(`r=${NONCE}x,i=4096,s=c2FsdA==`)).toThrow(/salt/);
    expect(attempt(`r=${NONCE}x,s=c2FsdA==,i=4096,x=garbage`)).toThrow(/expected r=, s=, i=/);
    expect(attempt(`m=ext,r=${NONCE}x,s=c2FsdA==,i=4096`)).toThrow(/extension/);
    expect(attempt('e=other-error')).toThrow(/malformed/);
  });

  it('refuses a server-final signature from a server that does not know the credential (impersonation)', () => {
    const impostor = new ScramServerSession(makeScramVerifier('some other password'));
    const client = new ScramClientSession(PASSWORD);
    const clientFinal = client.handleServerFirst(serverFirstFor(impostor, client.clientFirst()));
    expect(impostor.handleClientFinal(clientFinal).ok).toBe(false);
    // The impostor cannot compute v=; anything it sends instead must be refused.
    expect(() => client.verifyServerFinal(Buffer.from(`v=${Buffer.alloc(32).toString('base64')}`))).toThrow(/server signature is invalid/);
    expect(client.verified).toBe(false);
  });

  it('refuses a flipped signature, a short signature and reports e= errors', () => {
    const run = (serverFinal: (real: string) => string) => {
      const server = new ScramServerSession(verifier);
      const client = new ScramClientSession(PASSWORD);
      const result = server.handleClientFinal(client.handleServerFirst(serverFirstFor(server, client.clientFirst())));
      if (!result.ok) throw new Error(result.reason);
      return () => client.verifyServerFinal(Buffer.from(serverFinal(result.serverFinal.toString())));
    };
    expect(run((real) => real)).not.toThrow();
    expect(run((real) => `v=${Buffer.from(real.slice(2), 'base64').reverse().toString('base64')}`)).toThrow(/server signature is invalid/);
    expect(run(() => 'v=AAAA')).toThrow(/server signature is invalid/);
    expect(run(() => 'e=invalid-proof')).toThrow(/failed on the server: invalid-proof/);
    expect(run(() => 'garbage')).toThrow(/malformed/);
  });

  it('enforces message order', () => {
    const client = new ScramClientSession(PASSWORD);
    expect(() => client.handleServerFirst(Buffer.from('r=x,s=c2FsdA==,i=4096'))).toThrow(/unexpected/);
    const sent = new ScramClientSession(PASSWORD);
    sent.clientFirst();
    expect(() => sent.clientFirst()).toThrow(/already sent/);
    expect(() => sent.verifyServerFinal(Buffer.from('v=AAAA'))).toThrow(/unexpected/);
  });
});

interface NodePostgresSasl {
  startSession(mechanisms: string[]): { mechanism: string; response: string };
  continueSession(session: object, password: string, serverData: string): Promise<void>;
  finalizeSession(session: object, serverData: string): void;
}

describe('interoperability with an independent SCRAM implementation (node-postgres)', () => {
  const sasl = createRequire(import.meta.url)('pg/lib/crypto/sasl.js') as NodePostgresSasl;

  async function nodePostgresLogsIn(password: string, serverVerifier: ScramVerifier): Promise<boolean> {
    const server = new ScramServerSession(serverVerifier);
    const session = sasl.startSession(server.mechanisms);
    const serverFirst = serverFirstFor(server, Buffer.from(session.response));
    await sasl.continueSession(session, password, serverFirst.toString());
    const final = server.handleClientFinal(Buffer.from((session as { response: string }).response));
    if (!final.ok) return false;
    sasl.finalizeSession(session, final.serverFinal.toString());
    return server.succeeded;
  }

  it('node-postgres logs in to our server with the right password only', async () => {
    expect(await nodePostgresLogsIn(PASSWORD, verifier)).toBe(true);
    expect(await nodePostgresLogsIn('wrong', verifier)).toBe(false);
  });

  it('node-postgres agrees on SASLprep for a password NFKC changes', async () => {
    expect(await nodePostgresLogsIn('\u2168 \uFF21', makeScramVerifier('IX A'))).toBe(true);
  });
});

describe('PostgreSQL secret form', () => {
  it('round-trips a verifier and rejects malformed secrets', () => {
    const secret = formatPostgresScramSecret(verifier);
    expect(secret).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$/);
    expect(parsePostgresScramSecret(secret)).toEqual(verifier);
    expect(parsePostgresScramSecret('md5' + 'a'.repeat(32))).toBeNull();
    expect(parsePostgresScramSecret(secret.replace('$4096:', '$0:'))).toBeNull();
    expect(parsePostgresScramSecret(secret.slice(0, -4))).toBeNull();
  });

  it('makeScramVerifier uses a fresh 16-byte salt and PostgreSQL\'s default iterations', () => {
    const a = makeScramVerifier(PASSWORD);
    const b = makeScramVerifier(PASSWORD);
    expect(a.iterations).toBe(4096);
    expect(a.salt).toHaveLength(16);
    expect(a.salt.equals(b.salt)).toBe(false);
    expect(a.storedKey.equals(b.storedKey)).toBe(false);
    expect(() => makeScramVerifier(PASSWORD, { iterations: 0 })).toThrow(RangeError);
    expect(() => makeScramVerifier(PASSWORD, { salt: Buffer.alloc(0) })).toThrow(RangeError);
  });
});
