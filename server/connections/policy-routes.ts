import { policyDiffSchema, policyVersionSchema } from '../../shared/api/connections.ts';
import type { RouteModule } from '../http/app-types.ts';
import { BEARER_SECURITY, principalOf, requireRole } from '../http/authenticate.ts';
import { errorResponseSchema, forbidden, notFound } from '../http/http-errors.ts';
import { connectionParamsSchema, policyDiffQuerySchema, policyVersionParamsSchema } from '../../shared/api/connection-requests.ts';
import { connectionEverExisted, findConnection, findPolicyVersion, listPolicyVersions } from './connection-store.ts';
import { isInAllowedGroups, seesEveryConnection } from './connection-access.ts';
import { unifiedDiff } from './unified-diff.ts';

/**
 * The policy history of a connection, for admins and auditors: every version with its author
 * and reason, and the diff between any two. Deleted connections keep their history readable.
 * Those who may open a connection may also read its current version — a lease hands it to them
 * anyway — so the desktop app can say what the policy does without leasing a credential.
 */
export const policyRoutes: RouteModule = (app, deps) => {
  const tags = ['policies'];
  const readers = [app.authenticate, requireRole('admin', 'auditor')];
  const denied = { 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema };

  app.get(
    '/v1/connections/:name/policies',
    {
      onRequest: readers,
      schema: { tags, security: BEARER_SECURITY, params: connectionParamsSchema, response: { 200: policyVersionSchema.array(), ...denied } },
    },
    async (request) => {
      const name = request.params.name;
      if (!(await connectionEverExisted(deps.db, name))) throw notFound(`no connection "${name}"`);
      return listPolicyVersions(deps.db, name);
    },
  );

  app.get(
    '/v1/connections/:name/policies/diff',
    {
      onRequest: readers,
      schema: {
        tags,
        security: BEARER_SECURITY,
        params: connectionParamsSchema,
        querystring: policyDiffQuerySchema,
        response: { 200: policyDiffSchema, ...denied },
      },
    },
    async (request) => {
      const name = request.params.name;
      const { from, to } = request.query;
      const [older, newer] = await Promise.all([findPolicyVersion(deps.db, name, from), findPolicyVersion(deps.db, name, to)]);
      if (older === null) throw notFound(`connection "${name}" has no policy version ${from}`);
      if (newer === null) throw notFound(`connection "${name}" has no policy version ${to}`);
      const diff = unifiedDiff(older.yaml, newer.yaml, { fromLabel: `${name} v${from}`, toLabel: `${name} v${to}` });
      return { connection: name, from, to, diff };
    },
  );

  app.get(
    '/v1/connections/:name/policies/:version',
    {
      onRequest: [app.authenticate],
      schema: { tags, security: BEARER_SECURITY, params: policyVersionParamsSchema, response: { 200: policyVersionSchema, ...denied } },
    },
    async (request) => {
      const { name, version } = request.params;
      const principal = principalOf(request);
      if (!seesEveryConnection(principal)) {
        const stored = await findConnection(deps.db, name);
        if (stored === null || !isInAllowedGroups(principal, stored.summary.allowedGroups)) throw forbidden('only admins and auditors may read policy versions of connections they cannot open');
        if (stored.summary.policyVersion !== version) throw forbidden('only admins and auditors may read past policy versions');
      }
      const found = await findPolicyVersion(deps.db, name, version);
      if (found === null) throw notFound(`connection "${name}" has no policy version ${version}`);
      return found;
    },
  );
};
