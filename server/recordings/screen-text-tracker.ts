import type { Terminal } from '@xterm/headless';

/** One line of text that appeared on the screen, at the time (ms) of the event that made it appear. */
export interface ScreenLine {
  t: number;
  text: string;
}

interface DirtyRows {
  start: number;
  end: number;
}

function dirtyRows(term: Terminal): DirtyRows {
  return (term as unknown as { _core: { _inputHandler: { _dirtyRowTracker: DirtyRows } } })._core._inputHandler._dirtyRowTracker;
}

/**
 * Finds the text that appears on a replayed screen, for search. After each event it reads the
 * rows xterm marked as changed and reports every line (a wrapped line counts as one) whose text
 * was not on the screen just before: a line typed character by character is reported at the
 * keystroke that completed it, a line that merely scrolls is not reported again, and a
 * full-screen redraw reports only the lines that changed.
 */
export class ScreenTextTracker {
  /** Text of the logical line starting at each row; '' for rows that continue a wrapped line. */
  private rowText: string[] = [];
  /** How many rows show each text now. */
  private readonly present = new Map<string, number>();
  private bufferType = '';
  private cols = 0;
  private rows = 0;

  constructor(private readonly term: Terminal) {
    this.rescan(null);
  }

  /** Call right after an event took effect; appends the lines it made appear to `out`. */
  afterEvent(tMs: number, out: ScreenLine[]): void {
    const { term } = this;
    if (term.buffer.active.type !== this.bufferType || term.cols !== this.cols || term.rows !== this.rows) {
      this.rescan({ tMs, out });
      return;
    }
    const dirty = dirtyRows(term);
    this.update(Math.max(0, dirty.start), Math.min(term.rows - 1, dirty.end), { tMs, out });
  }

  /** Takes the screen as it is now as already seen (after a terminal was restored or replayed without tracking). */
  resync(): void {
    this.rescan(null);
  }

  /** Re-reads the whole screen; with `report`, lines not shown before are reported. */
  private rescan(report: { tMs: number; out: ScreenLine[] } | null): void {
    const { term } = this;
    this.bufferType = term.buffer.active.type;
    this.cols = term.cols;
    this.rows = term.rows;
    if (this.rowText.length > term.rows) {
      for (const text of this.rowText.splice(term.rows)) this.forget(text);
    }
    while (this.rowText.length < term.rows) this.rowText.push('');
    this.update(0, term.rows - 1, report);
  }

  private update(first: number, last: number, report: { tMs: number; out: ScreenLine[] } | null): void {
    if (last < first) return;
    const buffer = this.term.buffer.active;
    const base = buffer.baseY;
    const line = (row: number) => buffer.getLine(base + row);
    // Widen to whole logical lines: a change in a continuation row changes the line it belongs to.
    let start = first;
    while (start > 0 && line(start)?.isWrapped === true) start--;
    let end = last;
    while (end + 1 < this.term.rows && line(end + 1)?.isWrapped === true) end++;

    const fresh: string[] = [];
    let row = start;
    while (row <= end) {
      let next = row + 1;
      while (next <= end && line(next)?.isWrapped === true) next++;
      fresh.push(joinWrapped(line, row, next - 1).trimEnd());
      for (let continuation = row + 1; continuation < next; continuation++) fresh.push('');
      row = next;
    }

    const reported = new Set<string>();
    for (let i = 0; i < fresh.length; i++) {
      const text = fresh[i]!;
      if (report !== null && text.trim() !== '' && !this.present.has(text) && !reported.has(text)) {
        reported.add(text);
        report.out.push({ t: report.tMs, text });
      }
    }
    for (let i = 0; i < fresh.length; i++) {
      this.forget(this.rowText[start + i]!);
      this.rowText[start + i] = fresh[i]!;
      if (fresh[i] !== '') this.present.set(fresh[i]!, (this.present.get(fresh[i]!) ?? 0) + 1);
    }
  }

  private forget(text: string): void {
    if (text === '') return;
    const count = this.present.get(text) ?? 0;
    if (count <= 1) this.present.delete(text);
    else this.present.set(text, count - 1);
  }
}

/** A wrapped line's rows keep their trailing blanks, which are part of the text, except the last. */
function joinWrapped(line: (row: number) => { translateToString(trimRight?: boolean): string } | undefined, first: number, last: number): string {
  let text = '';
  for (let row = first; row <= last; row++) text += line(row)?.translateToString(row === last) ?? '';
  return text;
}
