import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../../shared/api/identity.ts';
import { appendAuditRecords } from '../audit/audit-chain.ts';
import type { AuditRecordInput } from '../audit/audit-chain.ts';
import type { RouteModule } from './app-types.ts';

/*
 * The server sees no sign-in (that happens at the IdP), only tokens. The first authenticated
 * request made with a token is taken as its login and audited once. Tokens seen are kept by
 * hash in a bounded memory cache; the audit record's id is derived from the token hash, so a
 * token seen again after eviction, after a restart or on another replica is a duplicate the
 * audit chain skips instead of a second login.
 */

export const LOGIN_CACHE_SIZE = 10_000;

export interface LoginAuditOptions {
  /** How many token hashes to remember; the oldest is forgotten first. */
  cacheSize?: number;
}

/** Registers a preHandler (it runs after each route's `app.authenticate`) that audits the first use of each token. */
export function loginAudit(opts: LoginAuditOptions = {}): RouteModule {
  const cacheSize = opts.cacheSize ?? LOGIN_CACHE_SIZE;
  return (app, deps) => {
    // Map keeps insertion order: the first key is the oldest. Values are the pending writes,
    // so concurrent first requests of one token share one.
    const seen = new Map<string, Promise<void>>();
    app.addHook('preHandler', async (request) => {
      const principal = request.principal;
      const token = principal === null ? null : bearerTokenOf(request);
      if (principal === null || token === null) return;
      const tokenHash = createHash('sha256').update(token).digest('hex');
      let recorded = seen.get(tokenHash);
      if (recorded === undefined) {
        recorded = deps.db
          .transaction(async (tx) => {
            await appendAuditRecords(tx, [loginRecord(principal, tokenHash)]);
          })
          .catch((error: unknown) => {
            // Not remembered: the next request with this token tries again.
            seen.delete(tokenHash);
            throw error;
          });
        seen.set(tokenHash, recorded);
        if (seen.size > cacheSize) seen.delete(seen.keys().next().value!);
      }
      // An unaudited login must not proceed: a failed write fails the request.
      await recorded;
    });
  };
}

function bearerTokenOf(request: FastifyRequest): string | null {
  const match = /^Bearer +(\S+)$/i.exec(request.headers.authorization ?? '');
  return match === null ? null : match[1]!;
}

function loginRecord(principal: Principal, tokenHash: string): AuditRecordInput {
  return {
    id: uuidFromHash(tokenHash),
    time: new Date().toISOString(),
    source: 'server',
    kind: 'login',
    actor: principal.subject,
    actorMachine: principal.machine,
    connection: null,
    statementClass: null,
    decision: null,
    text: `${principal.name} signed in${principal.machine ? ' (machine client)' : ''}`,
    event: {
      kind: 'login',
      actor: { subject: principal.subject, name: principal.name, machine: principal.machine },
      groups: principal.groups,
      roles: principal.roles,
    },
  };
}

/** A UUID (version 8, "custom") made from the token hash; hashed again so the id reveals nothing of the token's hash. */
function uuidFromHash(tokenHash: string): string {
  const bytes = createHash('sha256').update(`gatehouse/login/${tokenHash}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
