import { meResponseSchema } from '../../shared/api/identity.ts';
import type { RouteModule } from './app-types.ts';
import { BEARER_SECURITY, principalOf } from './authenticate.ts';
import { errorResponseSchema } from './http-errors.ts';

/** GET /v1/me: who the server thinks the caller is (subject, groups, roles). */
export const meRoutes: RouteModule = (app) => {
  app.get(
    '/v1/me',
    {
      onRequest: [app.authenticate],
      schema: { tags: ['identity'], security: BEARER_SECURITY, response: { 200: meResponseSchema, 401: errorResponseSchema } },
    },
    async (request) => principalOf(request),
  );
};
