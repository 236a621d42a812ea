import type { DiffLine } from './line-diff.ts';

/** A diff as a table of lines, old and new line numbers beside each. */
export function DiffView({ lines, label, testId }: { lines: readonly DiffLine[]; label: string; testId?: string }) {
  if (lines.length === 0) return null;
  return (
    <div className="diff-view" role="table" aria-label={label} data-testid={testId}>
      {lines.map((line, i) => (
        <div key={i} role="row" className={`diff-line diff-${line.kind}`} data-kind={line.kind}>
          <span role="cell" className="diff-no">
            {line.oldLine ?? ''}
          </span>
          <span role="cell" className="diff-no">
            {line.newLine ?? ''}
          </span>
          <span role="cell" className="diff-sign" aria-label={line.kind === 'add' ? 'added' : line.kind === 'del' ? 'removed' : undefined}>
            {line.kind === 'add' ? '+' : line.kind === 'del' ? '−' : ' '}
          </span>
          <span role="cell" className="diff-text">
            {line.text}
          </span>
        </div>
      ))}
    </div>
  );
}
