import { approvalCreateSchema, approvalRequestSchema, decideSchema, redeemResponseSchema, redeemSchema, approvalListSchema, approvalIdParamsSchema, approvalListQuerySchema } from '../../shared/api/approvals.ts';
import type { RouteModule } from '../http/app-types.ts';
import { BEARER_SECURITY, principalOf } from '../http/authenticate.ts';
import { errorResponseSchema } from '../http/http-errors.ts';
import { ApprovalScheduler } from './approval-scheduler.ts';
import { ApprovalService } from './approval-service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    approvals: ApprovalService;
    /** Runs on one replica at a time; `leading` says whether it is this one. */
    approvalScheduler: ApprovalScheduler;
  }
}

const listResponseSchema = approvalListSchema;
const idParams = approvalIdParamsSchema;
const listQuery = approvalListQuerySchema;
const errors = {
  400: errorResponseSchema,
  401: errorResponseSchema,
  403: errorResponseSchema,
  404: errorResponseSchema,
  409: errorResponseSchema,
};

/** /v1/approvals: request, list, decide, cancel and redeem approvals; plus the expiry and escalation scheduler. */
export const approvalRoutes: RouteModule = (app, deps) => {
  const service = new ApprovalService({ db: deps.db, graceMs: deps.config.approvalGraceMs });
  const scheduler = new ApprovalScheduler({ db: deps.db, service, log: deps.log.child({ component: 'approval-scheduler' }) });
  app.decorate('approvals', service);
  app.decorate('approvalScheduler', scheduler);
  app.addHook('onReady', async () => scheduler.start());
  app.addHook('onClose', async () => scheduler.stop());

  const common = { onRequest: [app.authenticate] };
  const schema = { tags: ['approvals'], security: BEARER_SECURITY };

  app.post(
    '/v1/approvals',
    { ...common, schema: { ...schema, body: approvalCreateSchema, response: { 201: approvalRequestSchema, ...errors } } },
    async (request, reply) => reply.code(201).send(await service.create(principalOf(request), request.body)),
  );

  app.get('/v1/approvals', { ...common, schema: { ...schema, querystring: listQuery, response: { 200: listResponseSchema, ...errors } } }, async (request) => {
    const principal = principalOf(request);
    const { mine, state, limit } = request.query;
    const requests = mine === 'true' ? await service.listMine(principal, { state, limit }) : await service.listAll(principal, { state, limit });
    return { requests };
  });

  app.get(
    '/v1/approvals/inbox',
    { ...common, schema: { ...schema, querystring: listQuery.pick({ limit: true }), response: { 200: listResponseSchema, ...errors } } },
    async (request) => ({ requests: await service.inbox(principalOf(request), { limit: request.query.limit }) }),
  );

  app.get(
    '/v1/approvals/:id',
    { ...common, schema: { ...schema, params: idParams, response: { 200: approvalRequestSchema, ...errors } } },
    async (request) => service.get(principalOf(request), request.params.id),
  );

  app.post(
    '/v1/approvals/:id/decision',
    { ...common, schema: { ...schema, params: idParams, body: decideSchema, response: { 200: approvalRequestSchema, ...errors } } },
    async (request) => service.decide(principalOf(request), request.params.id, request.body),
  );

  app.post(
    '/v1/approvals/:id/cancel',
    { ...common, schema: { ...schema, params: idParams, response: { 200: approvalRequestSchema, ...errors } } },
    async (request) => service.cancel(principalOf(request), request.params.id),
  );

  app.post(
    '/v1/approvals/:id/redeem',
    { ...common, schema: { ...schema, params: idParams, body: redeemSchema, response: { 200: redeemResponseSchema, ...errors } } },
    async (request) => ({ ok: true as const, request: await service.redeem(principalOf(request), request.params.id, request.body) }),
  );
};
