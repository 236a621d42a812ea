import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import type { FastifyBaseLogger } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../../server/audit/audit-chain.ts';
import type { ServerConfig } from '../../../server/config/server-config.ts';
import type { AppDeps, GatehouseApp } from '../../../server/http/app-types.ts';
import { makeAuthenticate } from '../../../server/http/authenticate.ts';
import { installErrorReplies } from '../../../server/http/error-handler.ts';
import { loginAudit } from '../../../server/http/login-audit.ts';
import type { Database, Queryable } from '../../../server/store/database.ts';
import { migrate } from '../../../server/store/migrate.ts';
import { openPgliteDatabase } from '../../../server/store/pglite-database.ts';
import type { Principal } from '../../../shared/api/identity.ts';

/** Tokens are `<subject>.<anything>`; `robot.*` tokens are a machine client's. */
async function verifyToken(token: string): Promise<Principal> {
  const subject = token.split('.')[0]!;
  if (subject === 'bad') throw new Error('bad signature');
  return { subject, name: subject, groups: ['analysts'], roles: ['analyst'], approverGroups: [], machine: subject === 'robot' };
}

let db: Database;
let failNextWrite = false;

/** The store, except that one transaction can be made to fail on demand. */
function flakyDatabase(inner: Database): Database {
  return Object.assign(Object.create(inner) as Database, {
    transaction: <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> => {
      if (failNextWrite) {
        failNextWrite = false;
        return Promise.reject(new Error('disk full'));
      }
      return inner.transaction(fn);
    },
  });
}

async function appWithLoginAudit(cacheSize: number): Promise<GatehouseApp> {
  const logger: FastifyBaseLogger = pino({ level: 'silent' });
  const app = Fastify({ loggerInstance: logger }).withTypeProvider<ZodTypeProvider>();
  app.decorateRequest('principal', null);
  app.decorate('authenticate', makeAuthenticate(verifyToken));
  installErrorReplies(app);
  const deps: AppDeps = { config: {} as ServerConfig, db: flakyDatabase(db), log: pino({ level: 'silent' }), verifyToken };
  await loginAudit({ cacheSize })(app, deps);
  app.get('/open', async () => ({ ok: true }));
  app.get('/private', { onRequest: [app.authenticate] }, async () => ({ ok: true }));
  await app.ready();
  return app;
}

async function get(app: GatehouseApp, token: string | null, url = '/private'): Promise<number> {
  const reply = await app.inject({ method: 'GET', url, headers: token === null ? {} : { authorization: `Bearer ${token}` } });
  return reply.statusCode;
}

async function logins(): Promise<Array<{ actor: string; actor_machine: boolean; kind: string }>> {
  return db.query("select actor, actor_machine, kind from audit_log where kind = 'login' order by seq");
}

beforeAll(async () => {
  db = await openPgliteDatabase();
  await migrate(db);
});

afterAll(async () => {
  await db.close();
});

beforeEach(async () => {
  await db.exec("set gatehouse.retention = 'on'; delete from audit_log; reset gatehouse.retention;");
});

describe('login audit', () => {
  it('records the first authenticated request of each token, once', async () => {
    const app = await appWithLoginAudit(100);
    const alice = `alice.${randomBytes(8).toString('hex')}`;
    for (let i = 0; i < 3; i += 1) expect(await get(app, alice)).toBe(200);
    expect(await get(app, `robot.${randomBytes(8).toString('hex')}`)).toBe(200);
    expect(await get(app, null, '/open')).toBe(200);
    expect(await get(app, null)).toBe(401);
    expect(await get(app, 'bad.token')).toBe(401);
    expect(await logins()).toEqual([
      { actor: 'alice', actor_machine: false, kind: 'login' },
      { actor: 'robot', actor_machine: true, kind: 'login' },
    ]);
    // A new token is a new sign-in.
    expect(await get(app, `alice.${randomBytes(8).toString('hex')}`)).toBe(200);
    expect((await logins()).filter((row) => row.actor === 'alice')).toHaveLength(2);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
    await app.close();
  });

  it('records concurrent first requests of one token once', async () => {
    const app = await appWithLoginAudit(100);
    const token = `carol.${randomBytes(8).toString('hex')}`;
    expect(await Promise.all(Array.from({ length: 5 }, () => get(app, token)))).toEqual([200, 200, 200, 200, 200]);
    expect(await logins()).toHaveLength(1);
    await app.close();
  });

  it('does not log a token again once the cache forgot it, nor after a restart', async () => {
    const app = await appWithLoginAudit(1);
    const first = `erin.${randomBytes(8).toString('hex')}`;
    const second = `bob.${randomBytes(8).toString('hex')}`;
    for (let i = 0; i < 3; i += 1) {
      expect(await get(app, first)).toBe(200);
      expect(await get(app, second)).toBe(200);
    }
    await app.close();
    const restarted = await appWithLoginAudit(1);
    expect(await get(restarted, first)).toBe(200);
    expect((await logins()).map((row) => row.actor)).toEqual(['erin', 'bob']);
    await restarted.close();
  });

  it('fails the request when the login cannot be audited, and tries again on the next one', async () => {
    const app = await appWithLoginAudit(100);
    const token = `dave.${randomBytes(8).toString('hex')}`;
    failNextWrite = true;
    expect(await get(app, token)).toBe(500);
    expect(await logins()).toHaveLength(0);
    expect(await get(app, token)).toBe(200);
    expect(await logins()).toHaveLength(1);
    await app.close();
  });
});
