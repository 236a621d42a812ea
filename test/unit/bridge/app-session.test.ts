import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppSession } from '../../../broker/bridge/app-session.ts';
import { AppSettingsFile } from '../../../broker/bridge/app-settings.ts';
import { FileTokenStore } from '../../../broker/auth/token-store.ts';
import type { SessionState } from '../../../shared/bridge/session-bridge.ts';
import { FakeBrowser, FakeIdp } from '../broker-client/fake-idp.ts';

/*
 * AppSession against a real OIDC flow (the unit tests' fake IdP, over HTTP) and a minimal
 * Gatehouse server that serves /v1/auth/config and /v1/me.
 */

let idp: FakeIdp;
let server: Server;
let serverUrl: string;
let home: string;
let sessions: AppSession[];
const log = pino({ level: 'silent' });

async function startFakeGatehouse(): Promise<void> {
  server = createServer((req, res) => {
    if (req.url === '/v1/auth/config') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(idp.authConfig()));
      return;
    }
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (req.url === '/v1/me' && token !== '') {
      const sub = decodeJwt(token).sub ?? '';
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ subject: sub, name: 'alice', groups: ['analysts'], roles: ['analyst'], approverGroups: [], machine: false }));
      return;
    }
    res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"no"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function newSession(browser: FakeBrowser): AppSession {
  const session = new AppSession({
    host: 'electron',
    store: new FileTokenStore(join(home, 'tokens.json')),
    settings: new AppSettingsFile(join(home, 'app-settings.json')),
    openExternal: async (url) => void (await browser.open(url)),
    log,
    env: {},
  });
  sessions.push(session);
  return session;
}

function nextChange(session: AppSession, match: (s: SessionState) => boolean): Promise<SessionState> {
  return new Promise((resolve) => {
    const stop = session.onChange((state) => {
      if (!match(state)) return;
      stop();
      resolve(state);
    });
  });
}

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'gatehouse-app-session-'));
  sessions = [];
});

afterEach(async () => {
  for (const session of sessions) session.close();
  await idp.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(home, { recursive: true, force: true });
});

describe('AppSession', () => {
  it('signs in through the system browser, remembers the server, and resumes after a restart', async () => {
    idp = await new FakeIdp().start();
    await startFakeGatehouse();
    const browser = new FakeBrowser();
    const session = newSession(browser);
    await session.start();
    expect(session.state()).toMatchObject({ host: 'electron', serverUrl: null, signedIn: false });
    expect(await session.setServer(`${serverUrl}/`)).toMatchObject({ serverUrl, issuer: idp.issuer, signedIn: false });

    const signedIn = nextChange(session, (s) => s.signedIn);
    const started = await session.signIn();
    expect(started.openedBy).toBe('broker');
    expect(browser.visited).toEqual([started.authorizationUrl]);
    const state = await signedIn;
    expect(state).toMatchObject({ signedIn: true, user: { subject: 'alice-sub', name: 'alice' }, expiryWarning: false });
    expect(Date.parse(state.expiresAt!)).toBeGreaterThan(Date.now() + 3000_000);
    expect(JSON.parse(await readFile(join(home, 'app-settings.json'), 'utf8'))).toEqual({ serverUrl });

    const restarted = newSession(new FakeBrowser());
    await restarted.start();
    expect(restarted.state()).toMatchObject({ serverUrl, signedIn: true, user: { name: 'alice' } });
  });

  it('refreshes silently before the access token runs out', async () => {
    idp = await new FakeIdp({ accessTtlSeconds: 62 }).start();
    await startFakeGatehouse();
    const session = newSession(new FakeBrowser());
    await session.start();
    await session.setServer(serverUrl);
    const signedIn = nextChange(session, (s) => s.signedIn);
    await session.signIn();
    const first = await signedIn;
    const refreshed = await nextChange(session, (s) => s.signedIn && s.expiresAt !== first.expiresAt);
    expect(Date.parse(refreshed.expiresAt!)).toBeGreaterThan(Date.parse(first.expiresAt!));
    expect(idp.tokenRequests.filter((p) => p.get('grant_type') === 'refresh_token')).toHaveLength(1);
  }, 15_000);

  it('signs out: revokes at the IdP, forgets the tokens, and refuses signed-in work', async () => {
    idp = await new FakeIdp().start();
    await startFakeGatehouse();
    const session = newSession(new FakeBrowser());
    await session.start();
    await session.setServer(serverUrl);
    const signedIn = nextChange(session, (s) => s.signedIn);
    await session.signIn();
    await signedIn;
    const stored = await new FileTokenStore(join(home, 'tokens.json')).get(serverUrl);
    expect(await session.signOut()).toMatchObject({ signedIn: false, user: null, serverUrl });
    expect(idp.revoked.map((r) => r.token)).toEqual([stored!.refreshToken, stored!.accessToken]);
    expect(await new FileTokenStore(join(home, 'tokens.json')).get(serverUrl)).toBeUndefined();
    expect(() => session.active()).toThrow(/sign in/);
  });

  it('flags a session that cannot be renewed, and ends it when its token does', async () => {
    idp = await new FakeIdp().start();
    await startFakeGatehouse();
    const token = await (async () => {
      // A sign-in whose refresh token is gone: only the access token remains, for 2 more seconds.
      const session = newSession(new FakeBrowser());
      await session.start();
      await session.setServer(serverUrl);
      const signedIn = nextChange(session, (s) => s.signedIn);
      await session.signIn();
      await signedIn;
      session.close();
      return (await new FileTokenStore(join(home, 'tokens.json')).get(serverUrl))!;
    })();
    const store = new FileTokenStore(join(home, 'tokens.json'));
    await store.put({ ...token, refreshToken: undefined, expiresAt: Date.now() + 2000 });
    const session = newSession(new FakeBrowser());
    await session.start();
    expect(session.state()).toMatchObject({ signedIn: true, expiryWarning: true });
    const ended = await nextChange(session, (s) => !s.signedIn);
    expect(ended).toMatchObject({ signedIn: false, serverUrl });
  }, 15_000);
});
