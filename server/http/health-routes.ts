import { z } from 'zod';
import { pendingMigrations } from '../store/migrate.ts';
import type { RouteModule } from './app-types.ts';

const healthSchema = z.object({ status: z.literal('ok') });
const readySchema = z.object({ status: z.enum(['ready', 'not_ready']), reason: z.string().optional() });

/** Liveness (the process answers) and readiness (the database answers and the schema is current). */
export const healthRoutes: RouteModule = (app, deps) => {
  app.get('/healthz', { schema: { tags: ['health'], response: { 200: healthSchema } } }, async () => ({ status: 'ok' as const }));

  app.get('/readyz', { schema: { tags: ['health'], response: { 200: readySchema, 503: readySchema } } }, async (request, reply) => {
    let pending;
    try {
      await deps.db.query('select 1');
      pending = await pendingMigrations(deps.db);
    } catch (e) {
      // Unauthenticated endpoint: the details go to the log, not to the caller.
      request.log.warn({ err: e }, 'readiness check: database unreachable');
      return reply.code(503).send({ status: 'not_ready', reason: 'database unreachable' });
    }
    if (pending.length > 0) {
      return reply.code(503).send({ status: 'not_ready', reason: `migrations pending: ${pending.map((m) => m.version).join(', ')}` });
    }
    return { status: 'ready' as const };
  });
};
