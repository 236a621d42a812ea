import { describe, expect, it } from 'vitest';
import { ScramClientSession } from '../../../broker/pg/auth/scram-client.ts';
import { ScramServerSession, makeScramVerifier } from '../../../broker/pg/auth/scram-server.ts';

// RFC 7677 §3: the SCRAM-SHA-256 exchange for user "user", password "pencil".
const CLIENT_NONCE = 'rOprNGfwEbeRWgbNEkqO';
const SERVER_NONCE = '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
const SALT = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
const CLIENT_FIRST = `n,,n=user,r=${CLIENT_NONCE}`;
const SERVER_FIRST = `r=${CLIENT_NONCE}${SERVER_NONCE},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`;
const CLIENT_FINAL = `c=biws,r=${CLIENT_NONCE}${SERVER_NONCE},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=`;
const SERVER_FINAL = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

describe('SCRAM-SHA-256 against the RFC 7677 test vector', () => {
  it('the client produces the RFC messages and accepts the RFC server signature', () => {
    const client = new ScramClientSession('pencil', { nonce: CLIENT_NONCE, username: 'user' });
    expect(client.clientFirst().toString()).toBe(CLIENT_FIRST);
    expect(client.handleServerFirst(Buffer.from(SERVER_FIRST)).toString()).toBe(CLIENT_FINAL);
    client.verifyServerFinal(Buffer.from(SERVER_FINAL));
    expect(client.verified).toBe(true);
  });

  it('the server produces the RFC messages and accepts the RFC client proof', () => {
    const verifier = makeScramVerifier('pencil', { salt: SALT, iterations: 4096 });
    const server = new ScramServerSession(verifier, { nonce: SERVER_NONCE });
    const first = server.handleClientFirst('SCRAM-SHA-256', Buffer.from(CLIENT_FIRST));
    expect(first).toEqual({ ok: true, serverFirst: Buffer.from(SERVER_FIRST) });
    const final = server.handleClientFinal(Buffer.from(CLIENT_FINAL));
    expect(final).toEqual({ ok: true, serverFinal: Buffer.from(SERVER_FINAL) });
    expect(server.succeeded).toBe(true);
  });

  it('the client sends an empty username by default, as libpq does', () => {
    const client = new ScramClientSession('pencil', { nonce: CLIENT_NONCE });
    expect(client.clientFirst().toString()).toBe(`n,,n=,r=${CLIENT_NONCE}`);
  });

  it('escapes "," and "=" in a username', () => {
    const client = new ScramClientSession('pencil', { nonce: CLIENT_NONCE, username: 'a,b=c' });
    expect(client.clientFirst().toString()).toBe(`n,,n=a=2Cb=3Dc,r=${CLIENT_NONCE}`);
  });
});
