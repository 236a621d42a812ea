import { z } from 'zod';
import type { Principal } from '../../shared/api/identity.ts';
import {
  recordingChunkAckSchema,
  recordingChunkConflictSchema,
  recordingChunkSchema,
  recordingEndSchema,
  recordingListQuerySchema,
  recordingListSchema,
  recordingScreenQuerySchema,
  recordingScreenSchema,
  recordingSearchQuerySchema,
  recordingSearchSchema,
  recordingStartSchema,
  recordingSummarySchema,
} from '../../shared/api/recordings.ts';
import { appendServerAuditEvent } from '../audit/server-audit-event.ts';
import { mayReadWholeAuditLog } from '../audit/audit-visibility.ts';
import type { RouteModule } from '../http/app-types.ts';
import { BEARER_SECURITY, principalOf } from '../http/authenticate.ts';
import { badRequest, errorResponseSchema, notFound } from '../http/http-errors.ts';
import { castExportStream } from './cast-export.ts';
import { evidenceBundle } from './recording-evidence.ts';
import { startRecordingRetentionSchedule } from './recording-retention-schedule.ts';
import type { RecordingRetentionSchedule } from './recording-retention-schedule.ts';
import { searchRecordings } from './recording-search.ts';
import { RecordingService } from './recording-service.ts';
import { getRecording, listRecordings, recordingSummaryOf } from './recording-store.ts';
import type { RecordingFilters, RecordingReader, RecordingRow } from './recording-store.ts';

/** A chunk of 100 000 events with long output lines; the broker's uploader sends far less. */
const CHUNK_BODY_LIMIT = 32 * 1024 * 1024;

const idParamsSchema = z.object({ id: z.string().uuid() });
const chunkParamsSchema = idParamsSchema.extend({ seq: z.coerce.number().int().nonnegative() });
const errors = { 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema };
const tags = ['recordings'];

/** Auditors and admins read every recording; everyone else only the ones they uploaded. */
function readerOf(principal: Principal): RecordingReader {
  return mayReadWholeAuditLog(principal) ? null : { subject: principal.subject };
}

function dateFilter(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw badRequest(`${name} "${value}" is not a date`);
  return date;
}

function filtersOf(query: { user?: string | undefined; connection?: string | undefined; host?: string | undefined; from?: string | undefined; to?: string | undefined }): RecordingFilters {
  return { user: query.user, connection: query.connection, host: query.host, from: dateFilter(query.from, 'from'), to: dateFilter(query.to, 'to') };
}

/**
 * Terminal recordings:
 *   POST /v1/recordings                      a broker starts one (its principal is the recording's user); idempotent by id
 *   PUT  /v1/recordings/:id/chunks/:seq      numbered chunks in order; a re-send is acknowledged, a gap is 409 with expectedSeq
 *   POST /v1/recordings/:id/end              end time, exit status, number of chunks
 *   GET  /v1/recordings                      newest first; filters user, connection, host, from, to
 *   GET  /v1/recordings/search?q=            where text appeared on screen, with times and hit counts
 *   GET  /v1/recordings/:id                  one recording's summary
 *   GET  /v1/recordings/:id/screen?t=        the screen at t ms, then the events after t (paged)
 *   GET  /v1/recordings/:id/cast             the asciicast v2 file, streamed
 *   GET  /v1/recordings/:id/evidence         a tar of the cast, its metadata and its audit records
 * Writes are the uploader's alone. Auditors and admins read every recording, everyone else
 * their own; someone else's recording answers 404 as if it did not exist.
 * Also runs the retention purge for as long as the app is up.
 */
export const recordingRoutes: RouteModule = (app, deps) => {
  const service = new RecordingService(deps.db, deps.log);

  const readable = async (principal: Principal, id: string): Promise<RecordingRow> => {
    const row = await getRecording(deps.db, id, readerOf(principal));
    if (row === null) throw notFound(`no recording ${id}`);
    return row;
  };

  app.post(
    '/v1/recordings',
    {
      onRequest: [app.authenticate],
      schema: {
        tags,
        security: BEARER_SECURITY,
        description: "Starts a recording before its first chunk; the caller is its user. Repeating the same start answers 200 with the stored recording.",
        body: recordingStartSchema,
        response: { 200: recordingSummarySchema, 201: recordingSummarySchema, ...errors, 409: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const { created, recording } = await service.start(principalOf(request), request.body);
      return reply.code(created ? 201 : 200).send(recording);
    },
  );

  app.put(
    '/v1/recordings/:id/chunks/:seq',
    {
      onRequest: [app.authenticate],
      bodyLimit: CHUNK_BODY_LIMIT,
      schema: {
        tags,
        security: BEARER_SECURITY,
        description: 'Stores chunk :seq (from 0, in order). The same chunk again is acknowledged with duplicate: true; a gap, or other content under a stored number, is 409 with the expected number.',
        params: chunkParamsSchema,
        body: recordingChunkSchema,
        response: { 200: recordingChunkAckSchema, ...errors, 409: recordingChunkConflictSchema, 413: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const { id, seq } = request.params;
      if (request.body.seq !== seq) throw badRequest(`the body's seq ${request.body.seq} is not the path's ${seq}`);
      const outcome = await service.putChunk(principalOf(request), id, seq, request.body.events);
      if ('conflict' in outcome) return reply.code(409).send({ error: 'conflict' as const, ...outcome.conflict });
      return outcome.stored;
    },
  );

  app.post(
    '/v1/recordings/:id/end',
    {
      onRequest: [app.authenticate],
      schema: {
        tags,
        security: BEARER_SECURITY,
        description: 'Ends a recording; it is complete once all the chunks it names are stored. Repeatable with the same chunk count.',
        params: idParamsSchema,
        body: recordingEndSchema,
        response: { 200: recordingSummarySchema, ...errors, 409: errorResponseSchema },
      },
    },
    async (request) => service.end(principalOf(request), request.params.id, request.body),
  );

  app.get(
    '/v1/recordings',
    {
      onRequest: [app.authenticate],
      schema: { tags, security: BEARER_SECURITY, querystring: recordingListQuerySchema, response: { 200: recordingListSchema, ...errors } },
    },
    async (request) => {
      const rows = await listRecordings(deps.db, filtersOf(request.query), readerOf(principalOf(request)), request.query.limit);
      return { recordings: rows.map(recordingSummaryOf) };
    },
  );

  app.get(
    '/v1/recordings/search',
    {
      onRequest: [app.authenticate],
      schema: {
        tags,
        security: BEARER_SECURITY,
        description: 'Screen lines containing q (case-insensitive), each at the time of the event that made it appear.',
        querystring: recordingSearchQuerySchema,
        response: { 200: recordingSearchSchema, ...errors },
      },
    },
    async (request) => searchRecordings(deps.db, request.query, filtersOf(request.query), readerOf(principalOf(request))),
  );

  app.get(
    '/v1/recordings/:id',
    {
      onRequest: [app.authenticate],
      schema: { tags, security: BEARER_SECURITY, params: idParamsSchema, response: { 200: recordingSummarySchema, ...errors } },
    },
    async (request) => recordingSummaryOf(await readable(principalOf(request), request.params.id)),
  );

  app.get(
    '/v1/recordings/:id/screen',
    {
      onRequest: [app.authenticate],
      schema: {
        tags,
        security: BEARER_SECURITY,
        description: 'The screen at t (ms since the start: every event at or before t applied), and the events after t, or after `after`, at most `limit`.',
        params: idParamsSchema,
        querystring: recordingScreenQuerySchema,
        response: { 200: recordingScreenSchema, ...errors },
      },
    },
    async (request) => {
      const row = await readable(principalOf(request), request.params.id);
      const { t, after, limit } = request.query;
      return service.seeker.screenAt(
        { id: row.id, width: Number(row.width), height: Number(row.height), chunks: Number(row.chunk_count) },
        t,
        { after, limit },
      );
    },
  );

  app.get(
    '/v1/recordings/:id/cast',
    {
      onRequest: [app.authenticate],
      // No response schema: the body is a stream.
      schema: { tags, security: BEARER_SECURITY, description: 'The recording as an asciicast v2 file.', params: idParamsSchema },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const row = await readable(principal, request.params.id);
      await deps.db.transaction((tx) =>
        appendServerAuditEvent(tx, {
          kind: 'recording_exported',
          actor: principal.name,
          actorMachine: principal.machine,
          connection: row.connection,
          text: `recording ${row.id} exported as asciicast`,
          details: { recordingId: row.id, sessionId: row.broker_session_id },
        }),
      );
      return reply
        .type('application/x-asciicast')
        .header('content-disposition', `attachment; filename="gatehouse-recording-${row.id}.cast"`)
        .send(castExportStream(deps.db, row));
    },
  );

  app.get(
    '/v1/recordings/:id/evidence',
    {
      onRequest: [app.authenticate],
      schema: {
        tags,
        security: BEARER_SECURITY,
        description: 'A tar of recording.json (metadata and how the audit records were chosen), recording.cast, and audit.jsonl (the audit records with their chain hashes).',
        params: idParamsSchema,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const row = await readable(principal, request.params.id);
      return reply
        .type('application/x-tar')
        .header('content-disposition', `attachment; filename="gatehouse-evidence-${row.id}.tar"`)
        .send(await evidenceBundle(deps.db, row, principal));
    },
  );

  let retention: RecordingRetentionSchedule | undefined;
  app.addHook('onReady', async () => {
    retention = startRecordingRetentionSchedule({ db: deps.db, log: deps.log, onRemoved: (id) => service.forget(id) });
  });
  app.addHook('onClose', async () => {
    await retention?.stop();
    service.close();
  });
};
