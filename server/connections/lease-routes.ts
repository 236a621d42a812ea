import { randomUUID } from 'node:crypto';
import { leaseRequestSchema, leaseSchema } from '../../shared/api/connections.ts';
import type { Lease } from '../../shared/api/connections.ts';
import { appendAuditRecords } from '../audit/audit-chain.ts';
import { SecretOpenFailed, createSecretBox } from '../crypto/secret-box.ts';
import type { RouteModule } from '../http/app-types.ts';
import { BEARER_SECURITY, principalOf } from '../http/authenticate.ts';
import { HttpError, errorResponseSchema, forbidden, notFound } from '../http/http-errors.ts';
import { leaseRefusal } from './connection-access.ts';
import { connectionAuditRecord } from './connection-audit.ts';
import { openCredential } from './connection-credential.ts';
import { findConnection, findPolicyVersion } from './connection-store.ts';
import { insertLease } from './lease-store.ts';

/**
 * How long a lease is good for. A constant rather than a config field: the config's fields
 * feed every ServerConfig literal in the tree, and a broker renews per session anyway.
 */
export const LEASE_TTL_MS = 15 * 60_000;

type LeaseOutcome = { issued: Lease } | { refused: string } | { missing: true };

/**
 * POST /v1/leases: a broker receives the credential of one connection for one of its sessions,
 * with the policy it must enforce. Only members of the connection's allowed groups get one,
 * never an auditor. The lease is recorded and audited; the credential is in the reply only.
 */
export const leaseRoutes: RouteModule = (app, deps) => {
  const box = createSecretBox(deps.config.secretsKey);

  app.post(
    '/v1/leases',
    {
      onRequest: [app.authenticate],
      schema: {
        tags: ['leases'],
        security: BEARER_SECURITY,
        body: leaseRequestSchema,
        response: { 201: leaseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { connection: name, brokerSessionId } = request.body;
      const outcome = await deps.db.transaction(async (tx): Promise<LeaseOutcome> => {
        const refuse = async (reason: string): Promise<LeaseOutcome> => {
          // The refusal is committed to the log; the 403 is thrown once the transaction is done.
          await appendAuditRecords(tx, [
            connectionAuditRecord(principal, 'lease.refused', name, `${principal.name} was refused a lease on ${name}: ${reason}`, { brokerSessionId, reason }),
          ]);
          return { refused: reason };
        };
        const stored = await findConnection(tx, name);
        if (stored === null) {
          // An auditor is refused whether or not the connection exists: the answer is about them.
          const auditorRefusal = principal.roles.includes('auditor') ? leaseRefusal(principal, []) : null;
          return auditorRefusal === null ? { missing: true } : refuse(auditorRefusal);
        }
        const refusal = leaseRefusal(principal, stored.summary.allowedGroups);
        if (refusal !== null) return refuse(refusal);
        let credential;
        try {
          credential = openCredential(box, name, stored.sealedCredential);
        } catch (e) {
          if (!(e instanceof SecretOpenFailed)) throw e;
          request.log.error({ connection: name }, 'stored credential cannot be opened: wrong secrets key, or the row was altered');
          throw new HttpError(500, 'the credential of this connection cannot be opened; an administrator must set it again');
        }
        const policy = await findPolicyVersion(tx, name, stored.summary.policyVersion);
        if (policy === null) throw new Error(`connection ${name} has no policy version ${stored.summary.policyVersion}`);
        const id = randomUUID();
        const expiresAt = new Date(Date.now() + LEASE_TTL_MS);
        await insertLease(tx, { id, connection: name, subject: principal.subject, brokerSessionId, expiresAt });
        await appendAuditRecords(tx, [
          connectionAuditRecord(principal, 'lease.issued', name, `${principal.name} leased the credential of ${name}`, {
            leaseId: id,
            brokerSessionId,
            policyVersion: policy.version,
            expiresAt: expiresAt.toISOString(),
          }),
        ]);
        return {
          issued: {
            id,
            connection: name,
            kind: stored.kind,
            target: stored.summary.target,
            credential,
            policy: { version: policy.version, yaml: policy.yaml },
            expiresAt: expiresAt.toISOString(),
          },
        };
      });
      if ('missing' in outcome) throw notFound(`no connection "${name}"`);
      if ('refused' in outcome) throw forbidden(outcome.refused);
      return reply.code(201).send(outcome.issued);
    },
  );
};
