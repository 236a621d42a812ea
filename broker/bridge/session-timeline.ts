import type { ApprovalRequest } from '../../shared/api/approvals.ts';
import type { AuditRecord } from '../../shared/api/audit.ts';
import type { SessionTimeline, TimelineStatement } from '../../shared/bridge/admin-bridge.ts';
import type { AuditSearchPage, AuditSearchQuery } from '../server-client/api-client.ts';

/** What the timeline needs from the server. */
export interface TimelineSource {
  searchAudit(query: AuditSearchQuery): Promise<AuditSearchPage>;
  getApproval(id: string): Promise<ApprovalRequest>;
}

export interface TimelineFilter {
  sessionId: string;
  connection: string;
  user?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

const PAGE = 1000;
/** The audit search has no session filter: this many records of the connection are read at most. */
const DEFAULT_MAX_RECORDS = 20_000;
/** Approval requests are read this many at a time. */
const APPROVAL_READS = 8;

/**
 * A query session's timeline from the audit trail: the connection's records in order, those of
 * the session kept, until its end is found. The approvals its statements cite are read too;
 * one the caller may not read is left out.
 */
export async function loadSessionTimeline(source: TimelineSource, filter: TimelineFilter, opts: { maxRecords?: number } = {}): Promise<SessionTimeline> {
  const maxRecords = opts.maxRecords ?? DEFAULT_MAX_RECORDS;
  const mine: AuditRecord[] = [];
  let after: number | undefined;
  let scanned = 0;
  let ended = false;
  for (;;) {
    const page = await source.searchAudit({
      connection: filter.connection,
      ...(filter.user === undefined ? {} : { user: filter.user }),
      ...(filter.from === undefined ? {} : { from: filter.from }),
      ...(filter.to === undefined ? {} : { to: filter.to }),
      ...(after === undefined ? {} : { after }),
      limit: PAGE,
    });
    scanned += page.records.length;
    for (const record of page.records) {
      if (sessionOf(record) !== filter.sessionId) continue;
      mine.push(record);
      if (record.kind === 'session_end') ended = true;
    }
    if (ended || page.nextAfter === null || page.records.length === 0) break;
    if (scanned >= maxRecords) break;
    after = page.nextAfter;
  }
  const truncated = !ended && scanned >= maxRecords;
  const timeline = sessionTimelineOf(filter.sessionId, filter.connection, mine, truncated);
  const ids = [...new Set(timeline.statements.flatMap((s) => s.approvalRequestIds))];
  return { ...timeline, approvals: await readApprovals(source, ids) };
}

/** The timeline of one session from its audit records (in sequence order), without approvals. */
export function sessionTimelineOf(sessionId: string, connection: string, records: readonly AuditRecord[], truncated: boolean): SessionTimeline {
  const results = new Map<string, AuditRecord>();
  for (const record of records) {
    const statementId = stringField(record.event, 'statementId');
    if (record.kind === 'statement_result' && statementId !== null) results.set(statementId, record);
  }
  const statements: TimelineStatement[] = records
    .filter((record) => record.kind === 'statement')
    .map((record) => {
      const result = results.get(record.id);
      const statement = objectField(record.event, 'statement');
      const error = errorOf(result?.event);
      const approvalIds = [stringField(record.event, 'approvalRequestId'), stringField(result?.event, 'approvalRequestId')].filter((id): id is string => id !== null);
      return {
        id: record.id,
        seq: record.seq,
        time: record.time,
        text: stringField(statement, 'text') ?? record.text ?? '',
        class: record.statementClass ?? stringField(statement, 'class'),
        decision: record.decision,
        rule: stringField(record.event, 'rule') ?? stringField(result?.event, 'rule'),
        outcome: result === undefined ? 'unknown' : error !== null || result.decision === 'error' ? 'error' : 'done',
        durationMs: numberField(result?.event, 'durationMs'),
        rows: numberField(result?.event, 'rows'),
        maskedColumns: stringArrayField(result?.event, 'maskedColumns'),
        error,
        approvalRequestIds: [...new Set(approvalIds)],
      };
    });
  const start = records.find((r) => r.kind === 'session_start');
  const end = records.find((r) => r.kind === 'session_end');
  return {
    sessionId,
    connection,
    user: records[0]?.actor ?? null,
    startedAt: start?.time ?? null,
    endedAt: end?.time ?? null,
    statements,
    approvals: [],
    truncated,
  };
}

async function readApprovals(source: TimelineSource, ids: string[]): Promise<ApprovalRequest[]> {
  const found: ApprovalRequest[] = [];
  for (let i = 0; i < ids.length; i += APPROVAL_READS) {
    const batch = await Promise.all(ids.slice(i, i + APPROVAL_READS).map((id) => source.getApproval(id).catch(() => null)));
    for (const request of batch) if (request !== null) found.push(request);
  }
  return found;
}

function sessionOf(record: AuditRecord): string | null {
  return stringField(record.event, 'sessionId');
}

function objectField(from: Record<string, unknown> | undefined, key: string): Record<string, unknown> | undefined {
  const value = from?.[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function stringField(from: Record<string, unknown> | undefined, key: string): string | null {
  const value = from?.[key];
  return typeof value === 'string' ? value : null;
}

function numberField(from: Record<string, unknown> | undefined, key: string): number | null {
  const value = from?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function stringArrayField(from: Record<string, unknown> | undefined, key: string): string[] {
  const value = from?.[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function errorOf(event: Record<string, unknown> | undefined): { sqlstate: string; message: string } | null {
  const error = objectField(event, 'error');
  const sqlstate = stringField(error, 'sqlstate');
  const message = stringField(error, 'message');
  return sqlstate === null || message === null ? null : { sqlstate, message };
}
