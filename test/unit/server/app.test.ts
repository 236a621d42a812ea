import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { SignJWT, generateKeyPair, jwtVerify } from 'jose';
import type { CryptoKey } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildApp } from '../../../server/app.ts';
import type { ServerConfig } from '../../../server/config/server-config.ts';
import type { GatehouseApp, VerifyToken } from '../../../server/http/app-types.ts';
import { principalOf, requireRole } from '../../../server/http/authenticate.ts';
import { conflict, notFound } from '../../../server/http/http-errors.ts';
import type { Principal } from '../../../shared/api/identity.ts';
import type { Database } from '../../../server/store/database.ts';
import { migrate } from '../../../server/store/migrate.ts';
import { openPgliteDatabase } from '../../../server/store/pglite-database.ts';

const ISSUER = 'https://idp.test.invalid';
const AUDIENCE = 'urn:gatehouse';

const config: ServerConfig = {
  listen: { host: '127.0.0.1', port: 0 },
  tls: null,
  database: null,
  dataDir: '/nonexistent',
  idp: { issuer: ISSUER, audience: AUDIENCE, clientId: 'gatehouse-app', groupsClaim: 'groups' },
  roles: { admin: ['admins'], auditor: ['auditors'], analyst: ['analysts'], approverGroups: ['db-approvers'] },
  secretsKey: randomBytes(32),
  retention: { auditDays: 365 },
  devIdp: false,
  approvalGraceMs: 30_000,
  publicUrl: null,
  logLevel: 'debug',
};

/** A test-only verifier: ES256 tokens signed by a key made here, mapped to roles the way the server's mapping reads. */
interface LocalIdp {
  sign(claims: Record<string, unknown>, opts?: { key?: CryptoKey; exp?: string }): Promise<string>;
  verify: VerifyToken;
  /** A key the verifier does not trust: tokens signed with it are forgeries. */
  strangerKey: CryptoKey;
}

async function localIdp(): Promise<LocalIdp> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const stranger = await generateKeyPair('ES256');
  return {
    strangerKey: stranger.privateKey,
    sign: (claims, opts = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(opts.exp ?? '5m')
        .sign(opts.key ?? privateKey),
    verify: async (token) => {
      const { payload } = await jwtVerify(token, publicKey, { issuer: ISSUER, audience: AUDIENCE });
      const groups = (payload['groups'] as string[] | undefined) ?? [];
      const approverGroups = groups.filter((g) => config.roles.approverGroups.includes(g));
      const principal: Principal = {
        subject: payload.sub!,
        name: (payload['preferred_username'] as string | undefined) ?? payload.sub!,
        groups,
        roles: [
          ...(groups.some((g) => config.roles.admin.includes(g)) ? (['admin'] as const) : []),
          ...(approverGroups.length > 0 ? (['approver'] as const) : []),
          ...(groups.some((g) => config.roles.analyst.includes(g)) ? (['analyst'] as const) : []),
        ],
        approverGroups,
        machine: false,
      };
      return principal;
    },
  };
}

let db: Database;
let app: GatehouseApp;
let idp: LocalIdp;
const logLines: string[] = [];

beforeAll(async () => {
  db = await openPgliteDatabase();
  await migrate(db);
  idp = await localIdp();
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      done();
    },
  });
  // A plain logger without redaction: buildApp must add it.
  const log = pino({ level: 'debug' }, sink);
  app = await buildApp({ config, db, log, verifyToken: idp.verify });
  // Routes a feature module would add, to exercise the shared hooks and error replies.
  app.post(
    '/test/admin-only',
    { onRequest: [app.authenticate, requireRole('admin')], schema: { body: z.object({ name: z.string().min(3) }) } },
    async (request) => ({ hello: request.body.name, by: principalOf(request).subject }),
  );
  app.get('/test/missing', async () => {
    throw notFound('no connection named "nope"');
  });
  app.get('/test/conflict', async () => {
    throw conflict('request already decided');
  });
  app.get('/test/crash', async () => {
    throw new Error('internal detail: table pg_shadow unreadable');
  });
  app.get('/test/forgot-auth', async (request) => principalOf(request));
  app.get('/test/log-secrets', async (request) => {
    request.log.info({ token: 'leaky-token', nested: { password: 'hunter2' }, headers: { authorization: 'Bearer leaky' } }, 'careless log');
    return { ok: true };
  });
  await app.ready();
});

afterAll(async () => {
  await app.close();
  await db.close();
});

describe('authentication', () => {
  it('GET /v1/me without a token is a bare 401', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/me' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'unauthorized' });
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('every kind of bad token gets the same bare 401', async () => {
    const expired = await idp.sign({ sub: 'alice' }, { exp: '-1m' });
    const forged = await idp.sign({ sub: 'alice' }, { key: idp.strangerKey });
    for (const authorization of ['Basic YWxpY2U6cGFzcw==', 'Bearer', 'Bearer not.a.jwt', `Bearer ${expired}`, `Bearer ${forged}`, `Token ${expired}`]) {
      const res = await app.inject({ method: 'GET', url: '/v1/me', headers: { authorization } });
      expect(res.statusCode, authorization).toBe(401);
      expect(res.body, authorization).toBe('{"error":"unauthorized"}');
    }
  });

  it('a valid token yields the principal on /v1/me', async () => {
    const token = await idp.sign({ sub: 'alice', preferred_username: 'alice', groups: ['analysts', 'db-approvers', 'other'] });
    const res = await app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      subject: 'alice',
      name: 'alice',
      groups: ['analysts', 'db-approvers', 'other'],
      roles: ['approver', 'analyst'],
      approverGroups: ['db-approvers'],
      machine: false,
    });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('requireRole answers 403 with a reason, after authentication and before validation', async () => {
    const analyst = await idp.sign({ sub: 'alice', groups: ['analysts'] });
    const admin = await idp.sign({ sub: 'dave', groups: ['admins'] });
    const unauthenticated = await app.inject({ method: 'POST', url: '/test/admin-only', payload: { name: 1 } });
    expect(unauthenticated.statusCode).toBe(401);
    const forbidden = await app.inject({ method: 'POST', url: '/test/admin-only', headers: { authorization: `Bearer ${analyst}` }, payload: { name: 1 } });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toEqual({ error: 'forbidden', message: 'requires the admin role' });
    const invalid = await app.inject({ method: 'POST', url: '/test/admin-only', headers: { authorization: `Bearer ${admin}` }, payload: { name: 'x' } });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toMatchObject({ error: 'bad_request', message: expect.stringContaining('name') });
    const ok = await app.inject({ method: 'POST', url: '/test/admin-only', headers: { authorization: `Bearer ${admin}` }, payload: { name: 'orders' } });
    expect(ok.json()).toEqual({ hello: 'orders', by: 'dave' });
  });

  it('a route that forgot to authenticate fails closed', async () => {
    const res = await app.inject({ method: 'GET', url: '/test/forgot-auth' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'unauthorized' });
  });
});

describe('error replies', () => {
  it('uses { error, message } for 404, 409, unknown routes and bad JSON', async () => {
    expect((await app.inject({ method: 'GET', url: '/test/missing' })).json()).toEqual({ error: 'not_found', message: 'no connection named "nope"' });
    const conflictRes = await app.inject({ method: 'GET', url: '/test/conflict' });
    expect(conflictRes.statusCode).toBe(409);
    expect(conflictRes.json()).toEqual({ error: 'conflict', message: 'request already decided' });
    const unknown = await app.inject({ method: 'GET', url: '/v1/nothing-here?x=1' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: 'not_found', message: 'no route GET /v1/nothing-here' });
    const admin = await idp.sign({ sub: 'dave', groups: ['admins'] });
    const badJson = await app.inject({
      method: 'POST',
      url: '/test/admin-only',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      payload: '{"name":',
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json()).toMatchObject({ error: 'bad_request' });
  });

  it('never shows the internals of a 500', async () => {
    const res = await app.inject({ method: 'GET', url: '/test/crash' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: 'internal', message: 'internal server error' });
    expect(res.body).not.toContain('pg_shadow');
  });
});

describe('operational endpoints', () => {
  it('/healthz and /readyz answer; /readyz is 503 while migrations are pending', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
    const bare = await openPgliteDatabase();
    const unmigrated = await buildApp({ config, db: bare, log: pino({ level: 'silent' }), verifyToken: idp.verify });
    try {
      const res = await unmigrated.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'not_ready', reason: 'migrations pending: 1, 5' });
    } finally {
      await unmigrated.close();
      await bare.close();
    }
  });

  it('/metrics exposes process metrics and the request histogram by route pattern', async () => {
    await app.inject({ method: 'GET', url: '/healthz' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/process_cpu_user_seconds_total/);
    expect(res.body).toMatch(/gatehouse_http_request_duration_seconds_count\{method="GET",route="\/healthz",status_code="200"\} [1-9]/);
  });

  it('/openapi.json documents /v1/me with bearer auth, from the zod schemas', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, { get?: { security?: unknown; responses: Record<string, unknown> } }>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.paths['/v1/me']?.get?.security).toEqual([{ bearerAuth: [] }]);
    expect(JSON.stringify(doc.paths['/v1/me']?.get?.responses['200'])).toContain('approverGroups');
    expect(doc.components.securitySchemes['bearerAuth']).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/metrics']).toBeUndefined();
    expect((await app.inject({ method: 'GET', url: '/docs' })).statusCode).toBe(200);
  });
});

describe('logging', () => {
  it('never writes a bearer token or a secret-named field to the log', async () => {
    const token = await idp.sign({ sub: 'alice' }, { key: idp.strangerKey });
    await app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${token}` } });
    await app.inject({ method: 'GET', url: `/v1/me?access_token=${token}&page=2` });
    await app.inject({ method: 'GET', url: '/test/log-secrets' });
    const all = logLines.join('\n');
    expect(all).toContain('token rejected');
    expect(all).toContain('access_token=%5Bredacted%5D&page=2');
    expect(all).toContain('careless log');
    for (const secret of [token, 'leaky-token', 'hunter2', 'Bearer leaky']) expect(all).not.toContain(secret);
  });
});
