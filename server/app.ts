import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyHttpOptions, FastifyRequest, RawServerDefault } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppDeps, GatehouseApp } from './http/app-types.ts';
import { makeAuthenticate } from './http/authenticate.ts';
import { installErrorReplies } from './http/error-handler.ts';
import { REDACT_OPTIONS, redactUrl } from './http/logger.ts';
import { installMetrics } from './http/metrics.ts';
import { installOpenApi } from './http/openapi.ts';
import { registerRoutes } from './http/routes.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function serializeRequest(request: FastifyRequest): Record<string, unknown> {
  return { method: request.method, url: redactUrl(request.url), remoteAddress: request.ip };
}

/**
 * The policy server's HTTP app, not yet listening (use `listen`, or `inject` in tests).
 * TLS comes from `deps.config.tls`, whose files the config loader has checked.
 */
export async function buildApp(deps: AppDeps): Promise<GatehouseApp> {
  const tls = deps.config.tls;
  // A child logger carries the redaction even when the caller's logger was built without it.
  const log = deps.log.child({}, { redact: REDACT_OPTIONS, serializers: { req: serializeRequest } });
  const options: FastifyHttpOptions<RawServerDefault, FastifyBaseLogger> = { loggerInstance: log, return503OnClosing: true };
  // Typed as the plain HTTP server either way: routes and hooks do not see the difference.
  if (tls !== null) Object.assign(options, { https: { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) } });
  const app = Fastify(options).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.decorateRequest('principal', null);
  app.decorate('authenticate', makeAuthenticate(deps.verifyToken));
  // Answers depend on who is asking: no shared cache may keep one caller's answer for another.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
  installErrorReplies(app);
  await installOpenApi(app, { version: VERSION });
  installMetrics(app);
  await registerRoutes(app, deps);
  return app;
}
