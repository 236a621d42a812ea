import { Readable } from 'node:stream';
import type { Queryable } from '../store/database.ts';
import { AUDIT_CSV_HEADER, auditRecordCsvLine } from './audit-csv.ts';
import { auditHeadSeq, readAuditPage } from './audit-query.ts';
import type { AuditSelection } from './audit-query.ts';

export type AuditExportFormat = 'jsonl' | 'csv';

export const AUDIT_EXPORT_CONTENT_TYPES: Record<AuditExportFormat, string> = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

const DEFAULT_PAGE_SIZE = 1000;

/**
 * The selected records as a stream, oldest first: JSON lines (one AuditRecord per line, as
 * search returns them) or CSV with a header. It reads one page at a time, and the next page
 * only when the consumer has taken the previous one, so memory stays flat however large the
 * export. It ends at the newest record that existed when it started, so it is one defined
 * range even while brokers keep appending.
 */
export function auditExportStream(db: Queryable, selection: AuditSelection, format: AuditExportFormat, opts: { pageSize?: number } = {}): Readable {
  const pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
  async function* lines(): AsyncGenerator<string> {
    if (format === 'csv') yield AUDIT_CSV_HEADER;
    const throughSeq = await auditHeadSeq(db);
    let after: number | undefined = undefined;
    for (;;) {
      const page = await readAuditPage(db, selection, { after, limit: pageSize, throughSeq });
      if (page.length === 0) return;
      // One chunk per page: a write per record would cost a syscall each.
      yield page.map((record) => (format === 'csv' ? auditRecordCsvLine(record) : `${JSON.stringify(record)}\n`)).join('');
      if (page.length < pageSize) return;
      after = page[page.length - 1]!.seq;
    }
  }
  return Readable.from(lines(), { objectMode: false });
}
