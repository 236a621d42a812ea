import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { Unauthorized } from './authenticate.ts';
import { HttpError, errorCodeForStatus } from './http-errors.ts';
import type { ErrorResponse } from './http-errors.ts';

/** Every error leaves as `{ error, message }` (401: `{ error }` alone); 5xx never show internals. */
export function installErrorReplies(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | Error, request, reply) => {
    if (err instanceof Unauthorized) {
      request.log.debug({ reason: err.message }, 'unauthenticated request refused');
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized' } satisfies ErrorResponse);
    }
    if (err instanceof HttpError) {
      return reply.code(err.statusCode).send({ error: err.code, message: err.message } satisfies ErrorResponse);
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      return reply.code(400).send({ error: 'bad_request', message: err.message } satisfies ErrorResponse);
    }
    if (isResponseSerializationError(err)) {
      request.log.error({ err, issues: err.cause.issues }, 'response does not match its schema');
      return reply.code(500).send({ error: 'internal', message: 'internal server error' } satisfies ErrorResponse);
    }
    const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ error: errorCodeForStatus(status), message: err.message } satisfies ErrorResponse);
    }
    request.log.error({ err }, 'request failed');
    return reply.code(status >= 500 && status < 600 ? status : 500).send({ error: 'internal', message: 'internal server error' } satisfies ErrorResponse);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } satisfies ErrorResponse),
  );
}
