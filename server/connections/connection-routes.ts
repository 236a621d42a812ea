import { z } from 'zod';
import { connectionCreateSchema, connectionSummarySchema } from '../../shared/api/connections.ts';
import type { ConnectionSummary, PolicyVersion } from '../../shared/api/connections.ts';
import type { Principal } from '../../shared/api/identity.ts';
import { formatPolicyErrors } from '../../shared/policy/parse-policy.ts';
import type { PolicyError } from '../../shared/policy/parse-policy.ts';
import { appendAuditRecords } from '../audit/audit-chain.ts';
import { createSecretBox } from '../crypto/secret-box.ts';
import { publishEvent } from '../events/publish-event.ts';
import type { RouteModule } from '../http/app-types.ts';
import { BEARER_SECURITY, principalOf, requireRole } from '../http/authenticate.ts';
import { badRequest, conflict, errorResponseSchema, notFound } from '../http/http-errors.ts';
import type { Queryable } from '../store/database.ts';
import { canSeeConnection, seesEveryConnection } from './connection-access.ts';
import { connectionAuditRecord } from './connection-audit.ts';
import { sealCredential } from './connection-credential.ts';
import { connectionListQuerySchema, connectionParamsSchema, connectionPatchSchema, invalidPolicyResponseSchema } from '../../shared/api/connection-requests.ts';
import type { ConnectionPatch, InvalidPolicyResponse } from '../../shared/api/connection-requests.ts';
import { findConnection, findPolicyVersion, insertConnection, insertPolicyVersion, listConnections, softDeleteConnection, updateConnection } from './connection-store.ts';
import type { ConnectionChanges, StoredConnection } from './connection-store.ts';
import { checkTarget, credentialProblem, policyProblems } from './connection-validation.ts';

/**
 * Connections: admins create, change and delete them; everyone sees those they may open
 * (admins and auditors see all). No reply of these routes carries a credential: the reply
 * schemas have no field for one, and the summary queries never read it.
 */
export const connectionRoutes: RouteModule = (app, deps) => {
  const box = createSecretBox(deps.config.secretsKey);
  const tags = ['connections'];
  const adminOnly = [app.authenticate, requireRole('admin')];

  app.post(
    '/v1/connections',
    {
      onRequest: adminOnly,
      schema: {
        tags,
        security: BEARER_SECURITY,
        body: connectionCreateSchema,
        response: { 201: connectionSummarySchema, 400: invalidPolicyResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 409: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body;
      const target = checkTarget(body.kind, body.target);
      if (!target.ok) throw badRequest(target.message);
      const unusable = credentialProblem(body.kind, body.credential);
      if (unusable !== null) throw badRequest(unusable);
      const problems = policyProblems(body.name, body.policyYaml);
      if (problems.length > 0) return reply.code(400).send(invalidPolicyReply(problems));

      const summary = await deps.db.transaction(async (tx) => {
        const created = await insertConnection(
          tx,
          {
            name: body.name,
            kind: body.kind,
            description: body.description,
            target: target.target,
            allowedGroups: body.allowedGroups,
            sealedCredential: sealCredential(box, body.name, body.credential),
            recordingRetentionDays: body.recordingRetentionDays,
          },
          { yaml: body.policyYaml, author: principal.subject },
        );
        if (created === null) throw conflict(`a connection named "${body.name}" exists or existed; names are not reused`);
        await appendAuditRecords(tx, [
          connectionAuditRecord(principal, 'connection.created', body.name, `${principal.name} created ${body.kind} connection ${body.name}`, {
            connectionKind: body.kind,
            target: created.target,
            allowedGroups: created.allowedGroups,
            description: created.description,
            recordingRetentionDays: created.recordingRetentionDays,
            policyVersion: 1,
          }),
        ]);
        return created;
      });
      return reply.code(201).send(summary);
    },
  );

  app.get(
    '/v1/connections',
    {
      onRequest: [app.authenticate],
      schema: { tags, security: BEARER_SECURITY, querystring: connectionListQuerySchema, response: { 200: connectionSummarySchema.array(), 401: errorResponseSchema } },
    },
    async (request) => {
      const principal = principalOf(request);
      return listConnections(deps.db, { groups: seesEveryConnection(principal) ? null : principal.groups, search: request.query.q ?? null });
    },
  );

  app.get(
    '/v1/connections/:name',
    {
      onRequest: [app.authenticate],
      schema: {
        tags,
        security: BEARER_SECURITY,
        params: connectionParamsSchema,
        response: { 200: connectionSummarySchema, 401: errorResponseSchema, 404: errorResponseSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const stored = await findConnection(deps.db, request.params.name);
      // Not visible and not there answer the same, so names cannot be probed.
      if (stored === null || !canSeeConnection(principal, stored.summary.allowedGroups)) throw noSuchConnection(request.params.name);
      return stored.summary;
    },
  );

  app.patch(
    '/v1/connections/:name',
    {
      onRequest: adminOnly,
      schema: {
        tags,
        security: BEARER_SECURITY,
        params: connectionParamsSchema,
        body: connectionPatchSchema,
        response: { 200: connectionSummarySchema, 400: invalidPolicyResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const name = request.params.name;
      const patch = request.body;
      if (!changesSomething(patch)) throw badRequest('the body changes nothing: give at least one of description, target, credential, allowedGroups, policyYaml, recordingRetentionDays');
      if (patch.policyYaml !== undefined) {
        const problems = policyProblems(name, patch.policyYaml);
        if (problems.length > 0) return reply.code(400).send(invalidPolicyReply(problems));
      }
      return deps.db.transaction(async (tx) => {
        const current = await findConnection(tx, name, { forUpdate: true });
        if (current === null) throw noSuchConnection(name);
        const changes = await changesFor(tx, current, patch);
        if (changes.fields.length === 0) return current.summary;
        if (changes.policy !== null && (patch.reason === undefined || patch.reason.trim() === '')) {
          throw badRequest('a policy change needs a reason');
        }
        const sealedCredential = patch.credential === undefined ? undefined : sealCredential(box, name, patch.credential);
        const newVersion = changes.policy === null ? undefined : current.summary.policyVersion + 1;
        const updated = await updateConnection(tx, name, { ...changes.values, sealedCredential, policyVersion: newVersion });
        await appendAuditRecords(tx, [
          connectionAuditRecord(principal, 'connection.updated', name, `${principal.name} changed ${changes.fields.join(', ')} of connection ${name}`, {
            changed: changes.fields,
            before: visibleFields(current.summary, changes.fields),
            after: visibleFields(updated, changes.fields),
            reason: patch.reason ?? null,
          }),
        ]);
        if (changes.policy !== null && newVersion !== undefined) {
          await recordPolicyChange(tx, principal, current, updated, { yaml: changes.policy, version: newVersion, reason: patch.reason!.trim() });
        }
        return updated;
      });
    },
  );

  app.delete(
    '/v1/connections/:name',
    {
      onRequest: adminOnly,
      schema: { tags, security: BEARER_SECURITY, params: connectionParamsSchema, response: { 204: z.undefined(), 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema } },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const name = request.params.name;
      await deps.db.transaction(async (tx) => {
        const result = await softDeleteConnection(tx, name);
        if (!result.deleted) throw noSuchConnection(name);
        await appendAuditRecords(tx, [
          connectionAuditRecord(principal, 'connection.deleted', name, `${principal.name} deleted connection ${name}`, { revokedLeases: result.revokedLeases }),
        ]);
      });
      return reply.code(204).send(undefined);
    },
  );
};

type ChangeableField = 'description' | 'target' | 'credential' | 'allowedGroups' | 'recordingRetentionDays' | 'policy';

function changesSomething(patch: ConnectionPatch): boolean {
  return (
    patch.description !== undefined ||
    patch.target !== undefined ||
    patch.credential !== undefined ||
    patch.allowedGroups !== undefined ||
    patch.policyYaml !== undefined ||
    patch.recordingRetentionDays !== undefined
  );
}

/** What the patch really changes; values equal to the current ones are not changes. */
async function changesFor(
  tx: Queryable,
  current: StoredConnection,
  patch: ConnectionPatch,
): Promise<{ fields: ChangeableField[]; values: Omit<ConnectionChanges, 'sealedCredential' | 'policyVersion'>; policy: string | null }> {
  const fields: ChangeableField[] = [];
  const values: Omit<ConnectionChanges, 'sealedCredential' | 'policyVersion'> = {};
  const summary = current.summary;
  if (patch.description !== undefined && patch.description !== summary.description) {
    fields.push('description');
    values.description = patch.description;
  }
  if (patch.target !== undefined) {
    const target = checkTarget(current.kind, patch.target);
    if (!target.ok) throw badRequest(target.message);
    if (JSON.stringify(target.target) !== JSON.stringify(summary.target)) {
      fields.push('target');
      values.target = target.target;
    }
  }
  if (patch.credential !== undefined) {
    const unusable = credentialProblem(current.kind, patch.credential);
    if (unusable !== null) throw badRequest(unusable);
    // Always a change: comparing would mean opening the stored credential for nothing.
    fields.push('credential');
  }
  if (patch.allowedGroups !== undefined && !sameGroups(patch.allowedGroups, summary.allowedGroups)) {
    fields.push('allowedGroups');
    values.allowedGroups = patch.allowedGroups;
  }
  if (patch.recordingRetentionDays !== undefined && patch.recordingRetentionDays !== summary.recordingRetentionDays) {
    fields.push('recordingRetentionDays');
    values.recordingRetentionDays = patch.recordingRetentionDays;
  }
  let policy: string | null = null;
  if (patch.policyYaml !== undefined) {
    const active = await findPolicyVersion(tx, summary.name, summary.policyVersion);
    if (active?.yaml !== patch.policyYaml) {
      fields.push('policy');
      policy = patch.policyYaml;
    }
  }
  return { fields, values, policy };
}

function sameGroups(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((group) => b.includes(group)) && b.every((group) => a.includes(group));
}

/** The changed fields that may be written to the audit log: everything but the credential. */
function visibleFields(summary: ConnectionSummary, fields: readonly ChangeableField[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    switch (field) {
      case 'description':
      case 'target':
      case 'allowedGroups':
      case 'recordingRetentionDays':
        out[field] = summary[field];
        break;
      case 'policy':
        out['policyVersion'] = summary.policyVersion;
        break;
      case 'credential':
        break;
      default:
        return field satisfies never;
    }
  }
  return out;
}

/**
 * Stores the new version, audits it, and tells everyone concerned: members of the allowed
 * groups before and after the change (their brokers hold the old policy), admins and auditors.
 */
async function recordPolicyChange(
  tx: Queryable,
  principal: Principal,
  before: StoredConnection,
  after: ConnectionSummary,
  change: { yaml: string; version: number; reason: string },
): Promise<void> {
  const version: Omit<PolicyVersion, 'createdAt'> = {
    connection: after.name,
    version: change.version,
    yaml: change.yaml,
    author: principal.subject,
    reason: change.reason,
  };
  await insertPolicyVersion(tx, version);
  const from = before.summary.policyVersion;
  await appendAuditRecords(tx, [
    connectionAuditRecord(principal, 'policy.changed', after.name, `${principal.name} changed the policy of ${after.name} from v${from} to v${change.version}: ${change.reason}`, {
      fromVersion: from,
      toVersion: change.version,
      reason: change.reason,
    }),
  ]);
  const groups = [...new Set([...before.summary.allowedGroups, ...after.allowedGroups])];
  await publishEvent(tx, { type: 'policy.changed', connection: after.name, version: change.version }, { groups, roles: ['admin', 'auditor'] });
}

function invalidPolicyReply(errors: PolicyError[]): InvalidPolicyResponse {
  return { error: 'invalid_policy', message: `the policy is not valid:\n${formatPolicyErrors('policy.yaml', errors)}`, errors };
}

function noSuchConnection(name: string): Error {
  return notFound(`no connection "${name}"`);
}
