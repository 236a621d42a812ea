import { Badge } from '@mantine/core';
import { createColumnHelper, flexRender, getCoreRowModel, useReactTable } from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, type KeyboardEvent } from 'react';
import { formatDuration } from '../../ui/time-format.ts';
import { rowSummary, type AuditRow } from './audit-rows.ts';
import { decisionColor } from './decision-color.ts';

const ROW_HEIGHT = 32;
/** Ask for the next page when the last rows come within this many of the view. */
const LOAD_AHEAD_ROWS = 30;

const column = createColumnHelper<AuditRow>();

const columns = [
  column.accessor('time', { header: 'Time', size: 165, cell: (c) => new Date(c.getValue()).toLocaleString() }),
  column.accessor('user', {
    header: 'User',
    size: 130,
    cell: (c) => (
      <span className="audit-user">
        {c.getValue()}
        {c.row.original.machine && (
          <Badge size="xs" variant="outline" ml={4} title="A machine identity: an agent, script or CI job">
            machine
          </Badge>
        )}
      </span>
    ),
  }),
  column.accessor('connection', { header: 'Connection', size: 120, cell: (c) => c.getValue() ?? '—' }),
  column.accessor('text', {
    header: 'Statement or command',
    size: 220,
    cell: (c) => <span className={c.getValue() ? 'audit-text' : 'audit-kind'}>{rowSummary(c.row.original)}</span>,
  }),
  column.accessor('statementClass', { header: 'Class', size: 80, cell: (c) => c.getValue() ?? '' }),
  column.accessor('decision', {
    header: 'Decision',
    size: 90,
    cell: (c) => {
      const decision = c.getValue();
      return decision ? (
        <Badge size="sm" color={decisionColor(decision)} variant="light">
          {decision}
        </Badge>
      ) : (
        ''
      );
    },
  }),
  column.accessor('rule', { header: 'Rule', size: 110, cell: (c) => c.getValue() ?? '' }),
  column.accessor('rows', { header: 'Rows', size: 70, cell: (c) => (c.getValue() === null ? '' : c.getValue()!.toLocaleString()) }),
  column.accessor('durationMs', { header: 'Duration', size: 85, cell: (c) => (c.getValue() === null ? '' : formatDuration(c.getValue()!)) }),
];

/** The trail as a virtual table: only the rows on screen exist in the page, however many pages are loaded. */
export function AuditTable({ rows, selectedId, onOpen, onNearEnd }: { rows: AuditRow[]; selectedId: string | null; onOpen: (row: AuditRow) => void; onNearEnd: () => void }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const table = useReactTable({ data: rows, columns, getCoreRowModel: getCoreRowModel(), getRowId: (row) => row.id });
  const tableRows = table.getRowModel().rows;
  const widths = table.getVisibleLeafColumns().map((c) => c.getSize());
  const template = widths.map((w, i) => (i === 3 ? `minmax(${w}px, 1fr)` : `${w}px`)).join(' ');
  const minWidth = useMemo(() => widths.reduce((a, b) => a + b, 0), [widths]);

  const virtualizer = useVirtualizer({ count: tableRows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 15 });
  const items = virtualizer.getVirtualItems();
  const lastVisible = items[items.length - 1]?.index ?? -1;

  useEffect(() => {
    if (tableRows.length > 0 && lastVisible >= tableRows.length - LOAD_AHEAD_ROWS) onNearEnd();
  }, [lastVisible, tableRows.length, onNearEnd]);

  const onRowKey = (event: KeyboardEvent<HTMLDivElement>, index: number) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onOpen(tableRows[index]!.original);
      return;
    }
    const delta = event.key === 'ArrowDown' ? 1 : event.key === 'ArrowUp' ? -1 : 0;
    if (delta === 0) return;
    event.preventDefault();
    const next = Math.min(tableRows.length - 1, Math.max(0, index + delta));
    virtualizer.scrollToIndex(next, { align: 'auto' });
    requestAnimationFrame(() => scrollRef.current?.querySelector<HTMLElement>(`[data-index="${next}"]`)?.focus());
  };

  return (
    <div ref={scrollRef} className="audit-grid" role="table" aria-label="Audit trail" aria-rowcount={tableRows.length + 1} data-testid="audit-table">
      <div className="audit-grid-header" role="row" style={{ gridTemplateColumns: template, minWidth }}>
        {table.getFlatHeaders().map((header) => (
          <div key={header.id} role="columnheader" className="audit-cell">
            {flexRender(header.column.columnDef.header, header.getContext())}
          </div>
        ))}
      </div>
      <div className="audit-grid-body" style={{ height: virtualizer.getTotalSize(), minWidth }}>
        {items.map((item) => {
          const row = tableRows[item.index]!;
          const data = row.original;
          return (
            <div
              key={row.id}
              role="row"
              aria-rowindex={item.index + 2}
              tabIndex={0}
              data-index={item.index}
              data-testid={`audit-row-${data.id}`}
              data-kind={data.kind}
              data-decision={data.decision ?? ''}
              className={`audit-grid-row${data.id === selectedId ? ' is-selected' : ''}`}
              style={{ transform: `translateY(${item.start}px)`, gridTemplateColumns: template, height: ROW_HEIGHT }}
              onClick={() => onOpen(data)}
              onKeyDown={(e) => onRowKey(e, item.index)}
            >
              {row.getVisibleCells().map((cell) => (
                // A native title, not a tooltip component: one per visible cell made scrolling slower.
                <div key={cell.id} role="cell" className="audit-cell" title={cell.column.id === 'text' && data.text ? data.text.slice(0, 2000) : undefined}>
                  {flexRender(cell.column.columnDef.cell, cell.getContext())}
                </div>
              ))}
            </div>
          );
        })}
      </div>
    </div>
  );
}
