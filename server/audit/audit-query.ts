import type { z } from 'zod';
import type { AuditRecord, auditSearchQuerySchema } from '../../shared/api/audit.ts';
import { badRequest } from '../http/http-errors.ts';
import type { Queryable } from '../store/database.ts';
import { AUDIT_LOG_COLUMNS, auditRecordFromRow } from './audit-chain.ts';
import type { AuditLogRow } from './audit-chain.ts';

/** The search filters without paging: what a search page or an export selects. */
export type AuditFilters = Omit<z.infer<typeof auditSearchQuerySchema>, 'after' | 'limit'>;

export interface AuditSelection {
  filters: AuditFilters;
  /** Only records of these actors, whatever the filters say; null: every actor's. */
  onlyActors: string[] | null;
}

export interface AuditPageOptions {
  /** Records with a sequence number above this one (keyset paging). */
  after?: number | undefined;
  limit: number;
  /** Records up to this sequence number only: an export fixes its end when it starts. */
  throughSeq?: number | undefined;
}

function parseTime(text: string, name: string): string {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw badRequest(`${name} must be an ISO 8601 date or time (got "${text}")`);
  return new Date(ms).toISOString();
}

/**
 * The WHERE conditions (joined with AND) and their parameters. Every value is a parameter;
 * `text` matches as a case-insensitive substring (strpos, so % and _ are plain characters),
 * `from` is inclusive and `to` exclusive.
 */
export function auditWhere(selection: AuditSelection): { conditions: string[]; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const add = (condition: (p: string) => string, value: unknown): void => {
    params.push(value);
    conditions.push(condition(`$${params.length}`));
  };
  const f = selection.filters;
  if (selection.onlyActors !== null) add((p) => `actor = any(${p}::text[])`, selection.onlyActors);
  if (f.user !== undefined) add((p) => `actor = ${p}`, f.user);
  if (f.connection !== undefined) add((p) => `connection = ${p}`, f.connection);
  if (f.class !== undefined) add((p) => `statement_class = ${p}`, f.class);
  if (f.decision !== undefined) add((p) => `decision = ${p}`, f.decision);
  if (f.kind !== undefined) add((p) => `kind = ${p}`, f.kind);
  if (f.from !== undefined) add((p) => `time >= ${p}::timestamptz`, parseTime(f.from, 'from'));
  if (f.to !== undefined) add((p) => `time < ${p}::timestamptz`, parseTime(f.to, 'to'));
  if (f.text !== undefined && f.text !== '') add((p) => `strpos(lower(text), lower(${p})) > 0`, f.text);
  return { conditions, params };
}

/** One page of matching records, oldest first (ascending sequence number). */
export async function readAuditPage(db: Queryable, selection: AuditSelection, page: AuditPageOptions): Promise<AuditRecord[]> {
  const { conditions, params } = auditWhere(selection);
  if (page.after !== undefined) {
    params.push(page.after);
    conditions.push(`seq > $${params.length}`);
  }
  if (page.throughSeq !== undefined) {
    params.push(page.throughSeq);
    conditions.push(`seq <= $${params.length}`);
  }
  params.push(page.limit);
  const where = conditions.length === 0 ? '' : `where ${conditions.join(' and ')}`;
  const rows = await db.query<AuditLogRow>(`select ${AUDIT_LOG_COLUMNS} from audit_log ${where} order by seq limit $${params.length}`, params);
  return rows.map(auditRecordFromRow);
}

/** The newest sequence number in the log (0 when it is empty). */
export async function auditHeadSeq(db: Queryable): Promise<number> {
  const [row] = await db.query<{ seq: number | null }>('select max(seq) as seq from audit_log');
  return Number(row?.seq ?? 0);
}
