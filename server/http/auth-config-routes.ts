import { authConfigSchema } from '../../shared/api/identity.ts';
import type { RouteModule } from './app-types.ts';
import { HttpError, errorResponseSchema } from './http-errors.ts';

/**
 * Scopes a client asks for. No config field says which scopes the IdP knows, so the set is
 * fixed: `groups` only for the dev IdP, which defines it (the same list as its DEV_IDP_SCOPES,
 * not imported so a production start never loads the dev IdP); a real IdP may reject a scope
 * it does not know, and sends groups in the access token through its own mapping.
 */
const STANDARD_SCOPES = ['openid', 'profile', 'email', 'offline_access'];
const DEV_IDP_SCOPES = ['openid', 'profile', 'email', 'groups', 'offline_access'];

/** GET /v1/auth/config, unauthenticated: where and how a client signs in before it has a token. */
export const authConfigRoutes: RouteModule = (app, deps) => {
  app.get(
    '/v1/auth/config',
    { schema: { tags: ['identity'], response: { 200: authConfigSchema, 503: errorResponseSchema } } },
    async () => {
      // With the dev IdP, startServer has already put its issuer and client id into the config.
      const { issuer, clientId, audience } = deps.config.idp;
      if (issuer === null) throw new HttpError(503, 'the identity provider has not started yet');
      return { issuer, clientId, audience, scopes: deps.config.devIdp ? DEV_IDP_SCOPES : STANDARD_SCOPES, devIdp: deps.config.devIdp };
    },
  );
};
