import type { FastifyReply, FastifyRequest } from 'fastify';
import { principalSchema } from '../../shared/api/identity.ts';
import type { Principal, Role } from '../../shared/api/identity.ts';
import type { VerifyToken } from './app-types.ts';
import { HttpError } from './http-errors.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook: requires a valid bearer token and sets `request.principal`; otherwise replies 401. */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
  interface FastifyRequest {
    /** Set by `app.authenticate`; null on routes that do not authenticate. Read it with principalOf(). */
    principal: Principal | null;
  }
}

export type AuthHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** Per the bearer-token spec (RFC 6750 b64token). */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/** Scheme for the OpenAPI document; put `security: BEARER_SECURITY` in the schema of authenticated routes. */
export const BEARER_SECURITY = [{ bearerAuth: [] }];

export class Unauthorized extends HttpError {
  constructor(reason: string) {
    super(401, reason, 'unauthorized');
    this.name = 'Unauthorized';
  }
}

/**
 * The one place that turns a bearer token into a principal. Every failure (no header, wrong
 * scheme, bad signature, verifier crash, malformed principal) gets the same bare 401, so a
 * caller learns nothing about why; the reason is logged at debug, the token never.
 */
export function makeAuthenticate(verifyToken: VerifyToken): AuthHook {
  return async (request) => {
    const header = request.headers.authorization;
    const match = header === undefined ? null : BEARER.exec(header);
    if (match === null) throw new Unauthorized(header === undefined ? 'no Authorization header' : 'Authorization is not a Bearer token');
    const token = match[1]!;
    let principal: Principal;
    try {
      principal = principalSchema.parse(await verifyToken(token));
    } catch (e) {
      // The reason is logged; a verifier that quoted the token in its message must not leak it there.
      throw new Unauthorized(`token rejected: ${String((e as Error).message).split(token).join('[token]')}`);
    }
    request.principal = principal;
  };
}

/** The authenticated caller; a route that forgot `onRequest: app.authenticate` fails closed with 401. */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new Unauthorized('route read the principal without authenticating');
  return request.principal;
}

/**
 * onRequest hook, after `app.authenticate`: lets the request through if the principal holds
 * any one of `roles`, else 403. `onRequest: [app.authenticate, requireRole('admin')]`.
 */
export function requireRole(...roles: Role[]): AuthHook {
  if (roles.length === 0) throw new Error('requireRole needs at least one role');
  return async (request) => {
    const principal = principalOf(request);
    if (!roles.some((role) => principal.roles.includes(role))) {
      throw new HttpError(403, `requires the ${roles.join(' or ')} role`);
    }
  };
}
