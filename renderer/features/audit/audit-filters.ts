import type { z } from 'zod';
import type { auditSearchQuerySchema } from '../../../shared/api/audit.ts';

export type AuditQuery = z.input<typeof auditSearchQuerySchema>;

/** The filter bar's fields as typed; times are `datetime-local` values in the viewer's time zone. */
export interface AuditFilterForm {
  user: string;
  connection: string;
  class: string;
  decision: string;
  kind: string;
  text: string;
  from: string;
  to: string;
}

export const EMPTY_AUDIT_FILTERS: AuditFilterForm = { user: '', connection: '', class: '', decision: '', kind: '', text: '', from: '', to: '' };

/** Records per page the table asks for. */
export const AUDIT_PAGE_SIZE = 200;

/** A `datetime-local` value as an ISO instant; null when blank or not a time. */
export function localTimeToIso(value: string): string | null {
  const trimmed = value.trim();
  if (trimmed === '') return null;
  const ms = new Date(trimmed).getTime();
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** The search the filters mean: blank fields left out, times as instants. Also what the export sends. */
export function auditQueryOf(form: AuditFilterForm): AuditQuery {
  const query: AuditQuery = {};
  const text = (key: 'user' | 'connection' | 'class' | 'decision' | 'kind' | 'text') => {
    const value = form[key].trim();
    if (value !== '') query[key] = value;
  };
  text('user');
  text('connection');
  text('class');
  text('decision');
  text('kind');
  text('text');
  const from = localTimeToIso(form.from);
  const to = localTimeToIso(form.to);
  if (from) query.from = from;
  if (to) query.to = to;
  return query;
}

/** Whether any filter is set. */
export function hasAuditFilters(form: AuditFilterForm): boolean {
  return Object.keys(auditQueryOf(form)).length > 0;
}

/** The download's name: `gatehouse-audit-2025-01-31T10-00-00.jsonl`. */
export function auditExportFilename(format: 'jsonl' | 'csv', now: Date): string {
  return `gatehouse-audit-${now.toISOString().slice(0, 19).replaceAll(':', '-')}.${format}`;
}
