import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Principal } from '../../shared/api/identity.ts';
import type { ServerConfig } from '../config/server-config.ts';
import type { Database } from '../store/database.ts';
import type { Logger } from './logger.ts';

/** Checks a bearer token (signature, issuer, audience, expiry) and says who it belongs to; throws if it is not acceptable. */
export type VerifyToken = (token: string) => Promise<Principal>;

/**
 * What the app and every feature module are built from. Modules that share a service (an
 * event bus, a secrets box, a clock) add it here and have startServer/buildApp's caller
 * construct it, so tests can hand in their own.
 */
export interface AppDeps {
  config: ServerConfig;
  db: Database;
  log: Logger;
  verifyToken: VerifyToken;
}

/** The Fastify instance with zod schemas as its type provider. */
export type GatehouseApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression<RawServerDefault>,
  RawReplyDefaultExpression<RawServerDefault>,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** A feature's routes; listed once in server/http/routes.ts. May register hooks, decorations and onClose cleanups. */
export type RouteModule = (app: GatehouseApp, deps: AppDeps) => void | Promise<void>;
