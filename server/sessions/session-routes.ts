import { liveSessionListSchema, sessionIdParamsSchema, sessionKillResultSchema, sessionKillSchema } from '../../shared/api/sessions.ts';
import { mayReadWholeAuditLog } from '../audit/audit-visibility.ts';
import type { RouteModule } from '../http/app-types.ts';
import { BEARER_SECURITY, principalOf, requireRole } from '../http/authenticate.ts';
import { errorResponseSchema } from '../http/http-errors.ts';
import { killSession } from './session-kill.ts';
import { listLiveSessions } from './session-store.ts';

const errors = { 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema };
const tags = ['sessions'];

/**
 * Live SSH sessions:
 *   GET  /v1/sessions            sessions with a recording in progress (auditors and admins: all; others: their own)
 *   POST /v1/sessions/:id/kill   auditors and admins end a session; :id is the session id or one of its recordings' ids
 */
export const sessionRoutes: RouteModule = (app, deps) => {
  app.get(
    '/v1/sessions',
    {
      onRequest: [app.authenticate],
      schema: { tags, security: BEARER_SECURITY, response: { 200: liveSessionListSchema, ...errors } },
    },
    async (request) => {
      const principal = principalOf(request);
      return { sessions: await listLiveSessions(deps.db, mayReadWholeAuditLog(principal) ? null : principal.subject) };
    },
  );

  app.post(
    '/v1/sessions/:id/kill',
    {
      onRequest: [app.authenticate, requireRole('auditor', 'admin')],
      schema: {
        tags,
        security: BEARER_SECURITY,
        description: 'Ends a live SSH session: its broker closes it within a second and tells the person why. Audited.',
        params: sessionIdParamsSchema,
        body: sessionKillSchema,
        response: { 200: sessionKillResultSchema, ...errors },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const result = await killSession(deps.db, principal, request.params.id, request.body.reason);
      deps.log.info({ session: result.sessionId, by: principal.name }, 'ssh session kill requested');
      return result;
    },
  );
};
