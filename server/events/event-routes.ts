import { Gauge } from 'prom-client';
import { z } from 'zod';
import type { RouteModule } from '../http/app-types.ts';
import { BEARER_SECURITY, principalOf } from '../http/authenticate.ts';
import { badRequest, errorResponseSchema } from '../http/http-errors.ts';
import { EventHub } from './event-hub.ts';
import { commentFrame } from './sse-frames.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** This replica's server-sent events fan-out. */
    eventHub: EventHub;
  }
}

const EVENT_ID = /^\d{1,15}$/;

/** The resume point: the Last-Event-ID header (what EventSource sends), else ?lastEventId=. */
function resumePoint(header: string | string[] | undefined, query: string | undefined): number | null {
  const text = (Array.isArray(header) ? header[0] : header) ?? query;
  if (text === undefined || text.trim() === '') return null;
  if (!EVENT_ID.test(text.trim())) throw badRequest('Last-Event-ID must be an event id (a whole number)');
  return Number(text.trim());
}

/**
 * GET /v1/events: server-sent events for the caller (approvals to decide, decisions on their
 * requests, policy changes, session kills), resumable with Last-Event-ID.
 */
export const eventRoutes: RouteModule = (app, deps) => {
  const hub = new EventHub({ db: deps.db, log: deps.log.child({ component: 'events' }) });
  app.decorate('eventHub', hub);
  new Gauge({
    name: 'gatehouse_sse_clients',
    help: 'Server-sent event streams open on this replica',
    registers: [app.metricsRegistry],
    collect() {
      this.set(hub.clientCount);
    },
  });
  app.addHook('onReady', async () => {
    await hub.start();
  });
  // Before the HTTP server waits for open connections to finish: event streams never finish by themselves.
  app.addHook('preClose', async () => {
    await hub.stop();
  });

  app.get(
    '/v1/events',
    {
      onRequest: [app.authenticate],
      schema: {
        tags: ['events'],
        description: 'text/event-stream of ServerEvent JSON; each event carries `id:` for Last-Event-ID resumption.',
        security: BEARER_SECURITY,
        querystring: z.object({ lastEventId: z.string().optional() }),
        response: { 400: errorResponseSchema, 401: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const lastEventId = resumePoint(request.headers['last-event-id'], request.query.lastEventId);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        // Reverse proxies (nginx) would otherwise hold events back in their buffers.
        'x-accel-buffering': 'no',
      });
      res.write(commentFrame('connected'));
      await hub.connect(principal, res, lastEventId);
    },
  );
};
