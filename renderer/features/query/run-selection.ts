export interface TextRange {
  from: number;
  to: number;
}

/** What Run executes: the selected text when there is a selection, else the whole editor; null when blank. */
export function textToRun(doc: string, selections: readonly TextRange[]): string | null {
  const selected = selections
    .filter((r) => r.to !== r.from)
    .map((r) => doc.slice(Math.min(r.from, r.to), Math.max(r.from, r.to)))
    .join('\n');
  const text = (selected.trim() ? selected : doc).trim();
  return text.length > 0 ? text : null;
}
