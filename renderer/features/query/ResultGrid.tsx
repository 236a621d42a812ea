import { Tooltip } from '@mantine/core';
import { getCoreRowModel, useReactTable, type ColumnDef } from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { QueryColumn } from '../../../shared/bridge/query-bridge.ts';
import { LockIcon } from '../../ui/icons.tsx';
import { initialColumnWidth } from './column-width.ts';
import type { ResultBuffer, ResultRow } from './result-buffer.ts';

const ROW_HEIGHT = 28;
const GUTTER_WIDTH = 64;
const NO_ROWS: ResultRow[] = [];

interface ResultGridProps {
  buffer: ResultBuffer;
  columns: readonly QueryColumn[];
  /** The rows to show (the buffer's size at the last throttled render). */
  rowCount: number;
  label: string;
}

export function maskedTooltip(column: QueryColumn): string {
  return column.masked ? `Masked by rule ${column.masked.rule} (${column.masked.style})` : '';
}

/**
 * The result grid. TanStack Table owns the column model (headers, widths, resizing); rows are
 * never turned into table Row objects: the virtualizer asks for the visible indexes and cells
 * read straight from the ResultBuffer, so a 100k-row stream costs only what is on screen.
 * Masked cells name their rule in a native title: a Mantine Tooltip per visible cell made
 * fast scrolling measurably slower.
 */
export function ResultGrid({ buffer, columns, rowCount, label }: ResultGridProps) {
  const gridId = useId();
  const scrollRef = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState<{ row: number; col: number } | null>(null);

  const columnDefs = useMemo<ColumnDef<ResultRow>[]>(
    () =>
      columns.map((column, index) => ({
        id: String(index),
        header: column.name,
        accessorFn: (row: ResultRow) => row[index] ?? null,
        size: initialColumnWidth(column),
        minSize: 60,
        maxSize: 1600,
      })),
    [columns],
  );
  const table = useReactTable({ data: NO_ROWS, columns: columnDefs, getCoreRowModel: getCoreRowModel(), columnResizeMode: 'onChange', enableColumnResizing: true });
  const leafColumns = table.getVisibleLeafColumns();
  const widths = leafColumns.map((c) => c.getSize());
  const totalWidth = GUTTER_WIDTH + widths.reduce((a, b) => a + b, 0);

  const virtualizer = useVirtualizer({
    count: rowCount,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();

  const activeCell = active && active.row < rowCount && active.col < columns.length ? active : null;
  const cellId = (row: number, col: number) => `${gridId}-r${row}-c${col}`;
  const activeRendered = activeCell !== null && items.some((i) => i.index === activeCell.row);

  const moveTo = (row: number, col: number) => {
    const next = { row: clamp(row, 0, rowCount - 1), col: clamp(col, 0, columns.length - 1) };
    setActive(next);
    virtualizer.scrollToIndex(next.row, { align: 'auto' });
    const scroller = scrollRef.current;
    if (scroller) {
      const left = GUTTER_WIDTH + widths.slice(0, next.col).reduce((a, b) => a + b, 0);
      const right = left + (widths[next.col] ?? 0);
      if (left - GUTTER_WIDTH < scroller.scrollLeft) scroller.scrollLeft = left - GUTTER_WIDTH;
      else if (right > scroller.scrollLeft + scroller.clientWidth) scroller.scrollLeft = right - scroller.clientWidth;
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (rowCount === 0 || columns.length === 0) return;
    const at = activeCell ?? { row: 0, col: 0 };
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? ROW_HEIGHT * 10) / ROW_HEIGHT) - 1);
    const mod = event.ctrlKey || event.metaKey;
    let target: { row: number; col: number } | null = null;
    switch (event.key) {
      case 'ArrowDown':
        target = { row: activeCell ? at.row + 1 : 0, col: at.col };
        break;
      case 'ArrowUp':
        target = { row: at.row - 1, col: at.col };
        break;
      case 'ArrowRight':
        target = { row: at.row, col: activeCell ? at.col + 1 : 0 };
        break;
      case 'ArrowLeft':
        target = { row: at.row, col: at.col - 1 };
        break;
      case 'PageDown':
        target = { row: at.row + page, col: at.col };
        break;
      case 'PageUp':
        target = { row: at.row - page, col: at.col };
        break;
      case 'Home':
        target = mod ? { row: 0, col: 0 } : { row: at.row, col: 0 };
        break;
      case 'End':
        target = mod ? { row: rowCount - 1, col: columns.length - 1 } : { row: at.row, col: columns.length - 1 };
        break;
      case 'c':
        if (mod && activeCell && !hasTextSelection()) {
          const value = buffer.row(activeCell.row)?.[activeCell.col];
          void navigator.clipboard?.writeText(value ?? '');
          event.preventDefault();
        }
        return;
      default:
        return;
    }
    event.preventDefault();
    moveTo(target.row, target.col);
  };

  const activeColumn = activeCell ? columns[activeCell.col] : undefined;
  const activeValue = activeCell ? buffer.row(activeCell.row)?.[activeCell.col] : undefined;

  return (
    <div className="result-grid-wrap">
      <div
        ref={scrollRef}
        className="result-grid"
        role="grid"
        aria-label={label}
        aria-rowcount={rowCount + 1}
        aria-colcount={columns.length}
        aria-activedescendant={activeCell && activeRendered ? cellId(activeCell.row, activeCell.col) : undefined}
        tabIndex={0}
        onKeyDown={onKeyDown}
        data-testid="result-grid"
        data-row-count={rowCount}
      >
        <div className="result-grid-header" role="row" aria-rowindex={1} style={{ width: totalWidth }}>
          <div className="result-gutter" role="columnheader" aria-label="Row number" style={{ width: GUTTER_WIDTH }}>
            #
          </div>
          {table.getHeaderGroups()[0]?.headers.map((header, index) => {
            const column = columns[index]!;
            return (
              <div key={header.id} className="result-header-cell" role="columnheader" aria-colindex={index + 1} style={{ width: header.getSize() }} data-testid="result-header" data-masked={column.masked ? 'true' : undefined}>
                <span className="result-header-name">{column.name}</span>
                <span className="result-header-type">{column.typeName}</span>
                {column.masked && (
                  <Tooltip label={maskedTooltip(column)} openDelay={200}>
                    <span className="result-header-mask" aria-label={maskedTooltip(column)} role="img">
                      <LockIcon size={12} />
                    </span>
                  </Tooltip>
                )}
                <div
                  className={`result-resize${header.column.getIsResizing() ? ' is-resizing' : ''}`}
                  onMouseDown={header.getResizeHandler()}
                  onTouchStart={header.getResizeHandler()}
                  onDoubleClick={() => header.column.resetSize()}
                  aria-hidden="true"
                />
              </div>
            );
          })}
        </div>
        <div className="result-grid-body" style={{ height: virtualizer.getTotalSize(), width: totalWidth }}>
          {items.map((item) => {
            const row = buffer.row(item.index);
            if (!row) return null;
            return (
              <div key={item.key} className="result-row" role="row" aria-rowindex={item.index + 2} style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT, width: totalWidth }}>
                <div className="result-gutter" role="rowheader" style={{ width: GUTTER_WIDTH }}>
                  {item.index + 1}
                </div>
                {columns.map((column, col) => (
                  <ResultCell
                    key={col}
                    id={cellId(item.index, col)}
                    value={row[col] ?? null}
                    column={column}
                    row={item.index}
                    col={col}
                    width={widths[col] ?? 120}
                    active={activeCell?.row === item.index && activeCell.col === col}
                    onSelect={() => setActive({ row: item.index, col })}
                  />
                ))}
              </div>
            );
          })}
        </div>
      </div>
      <div className="result-active-cell" aria-live="polite" data-testid="active-cell-info">
        {activeCell && activeColumn
          ? `Row ${activeCell.row + 1}, ${activeColumn.name}: ${activeColumn.masked ? `masked by rule ${activeColumn.masked.rule}` : activeValue === null ? 'NULL' : 'selected'}`
          : ''}
      </div>
    </div>
  );
}

interface ResultCellProps {
  id: string;
  value: string | null;
  column: QueryColumn;
  row: number;
  col: number;
  width: number;
  active: boolean;
  onSelect: () => void;
}

function ResultCell({ id, value, column, row, col, width, active, onSelect }: ResultCellProps) {
  const content = value === null ? <span className="null-value">NULL</span> : value;
  const common = {
    id,
    role: 'gridcell',
    'aria-colindex': col + 1,
    'aria-selected': active,
    'data-row': row,
    'data-col': col,
    'data-column-name': column.name,
    'data-null': value === null ? 'true' : undefined,
    style: { width },
    onMouseDown: onSelect,
  } as const;
  if (!column.masked) {
    return (
      <div {...common} className={`result-cell${active ? ' is-active' : ''}`} data-testid="result-cell">
        {content}
      </div>
    );
  }
  return (
    <div {...common} className={`result-cell masked-cell${active ? ' is-active' : ''}`} data-testid="masked-cell" data-masked="true" data-mask-rule={column.masked.rule} data-mask-style={column.masked.style} title={maskedTooltip(column)}>
      <LockIcon size={11} className="masked-icon" />
      <span className="masked-value">{content}</span>
    </div>
  );
}

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, value));
}

function hasTextSelection(): boolean {
  const selection = window.getSelection();
  return selection !== null && !selection.isCollapsed;
}
