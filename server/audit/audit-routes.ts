import { z } from 'zod';
import {
  auditIngestResponseSchema,
  auditIngestSchema,
  auditSearchPageSchema,
  auditSearchQuerySchema,
  auditVerifySchema,
} from '../../shared/api/audit.ts';
import type { RouteModule } from '../http/app-types.ts';
import { BEARER_SECURITY, principalOf, requireRole } from '../http/authenticate.ts';
import { errorResponseSchema } from '../http/http-errors.ts';
import { appendAuditRecords } from './audit-chain.ts';
import { auditRecordFromEvent } from './audit-event-record.ts';
import { AUDIT_EXPORT_CONTENT_TYPES, auditExportStream } from './audit-export.ts';
import { auditWhere, readAuditPage } from './audit-query.ts';
import { startAuditRetentionSchedule } from './audit-retention-schedule.ts';
import type { AuditRetentionSchedule } from './audit-retention-schedule.ts';
import { auditSelectionFor } from './audit-visibility.ts';
import { checkpointSigner } from './checkpoint-signing.ts';
import { verifyAuditLog } from './verify-audit-log.ts';

/** A full batch of 5000 events with long statements; the broker's shipper sends at most 4 MiB. */
const INGEST_BODY_LIMIT = 16 * 1024 * 1024;

const auditExportQuerySchema = auditSearchQuerySchema.omit({ after: true, limit: true }).extend({ format: z.enum(['jsonl', 'csv']) });

const errors = { 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema };

/**
 * The audit log API:
 *   POST /v1/audit/ingest   any signed-in caller; events are recorded as the caller's own
 *                           (see auditRecordFromEvent), idempotent by event id, one transaction per batch.
 *   GET  /v1/audit/search   oldest first, keyset paging with `after` = the last page's `nextAfter`.
 *   GET  /v1/audit/export   the same selection streamed as JSON lines or CSV.
 *   GET  /v1/audit/verify   auditors and admins: checkpoints and hash chain.
 * Auditors and admins read every record; everyone else reads only records whose actor is them.
 * Also runs the retention schedule for as long as the app is up.
 */
export const auditRoutes: RouteModule = (app, deps) => {
  const signer = checkpointSigner(deps.config.secretsKey);

  app.post(
    '/v1/audit/ingest',
    {
      onRequest: [app.authenticate],
      bodyLimit: INGEST_BODY_LIMIT,
      schema: {
        tags: ['audit'],
        security: BEARER_SECURITY,
        description:
          "A broker's spool batch (at most 5000 events), idempotent by event id. Events are recorded as the caller's: the actor is the token's name and machine flag, and a differing claim is kept in the event as claimedActor.",
        body: auditIngestSchema,
        response: { 200: auditIngestResponseSchema, ...errors, 413: errorResponseSchema },
      },
    },
    async (request) => {
      const caller = principalOf(request);
      const { brokerId, events } = request.body;
      const records = events.map((event) => auditRecordFromEvent(event, caller, brokerId));
      const { inserted, duplicates } = await deps.db.transaction((tx) => appendAuditRecords(tx, records));
      request.log.info({ brokerId, caller: caller.name, accepted: inserted, duplicates }, 'audit batch ingested');
      return { accepted: inserted, duplicates };
    },
  );

  app.get(
    '/v1/audit/search',
    {
      onRequest: [app.authenticate],
      schema: {
        tags: ['audit'],
        security: BEARER_SECURITY,
        description: "Oldest first; pass the page's nextAfter as `after` for the next page. Only auditors and admins see other people's records.",
        querystring: auditSearchQuerySchema,
        response: { 200: auditSearchPageSchema, ...errors },
      },
    },
    async (request) => {
      const { after, limit, ...filters } = request.query;
      const selection = auditSelectionFor(principalOf(request), filters);
      // One more than asked: whether another page exists is known without a second query.
      const records = await readAuditPage(deps.db, selection, { after, limit: limit + 1 });
      const more = records.length > limit;
      const page = more ? records.slice(0, limit) : records;
      return { records: page, nextAfter: more ? page[page.length - 1]!.seq : null };
    },
  );

  app.get(
    '/v1/audit/export',
    {
      onRequest: [app.authenticate],
      // No response schema: the body is a stream, which no serializer sees.
      schema: {
        tags: ['audit'],
        security: BEARER_SECURITY,
        description: 'The search selection, streamed oldest first as JSON lines (one search record each) or CSV with a header.',
        querystring: auditExportQuerySchema,
      },
    },
    async (request, reply) => {
      const { format, ...filters } = request.query;
      const selection = auditSelectionFor(principalOf(request), filters);
      // Bad filters must be a 400 now, not a broken stream after the headers went out.
      auditWhere(selection);
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      return reply
        .type(AUDIT_EXPORT_CONTENT_TYPES[format])
        .header('content-disposition', `attachment; filename="gatehouse-audit-${stamp}.${format}"`)
        .send(auditExportStream(deps.db, selection, format));
    },
  );

  app.get(
    '/v1/audit/verify',
    {
      onRequest: [app.authenticate, requireRole('auditor', 'admin')],
      schema: {
        tags: ['audit'],
        security: BEARER_SECURITY,
        description: 'Checks the retention checkpoints and recomputes the hash chain; reports the first broken record.',
        response: { 200: auditVerifySchema, ...errors },
      },
    },
    async () => verifyAuditLog(deps.db, signer),
  );

  let retention: AuditRetentionSchedule | undefined;
  app.addHook('onReady', async () => {
    retention = startAuditRetentionSchedule({ db: deps.db, signer, auditDays: deps.config.retention.auditDays, log: deps.log });
  });
  app.addHook('onClose', async () => {
    await retention?.stop();
  });
};
