/*
 * A line-based unified diff (the `diff -u` format reviewers know), small enough to own:
 * common leading and trailing lines are set aside, the rest is aligned by a longest common
 * subsequence. Policy documents are short, so the quadratic table is cheap; past a size
 * bound the changed middle is shown as removed-then-added, which is still a correct diff.
 */

export interface UnifiedDiffOptions {
  /** Names on the `---` and `+++` lines. */
  fromLabel: string;
  toLabel: string;
  /** Unchanged lines shown around each change (default 3, as `diff -u`). */
  context?: number;
}

type Op = ' ' | '-' | '+';

interface Edit {
  op: Op;
  /** The line with its terminator, if it had one. */
  line: string;
}

/** Above this many table cells (old × new changed lines) the alignment is skipped. */
const MAX_LCS_CELLS = 4_000_000;

const NO_NEWLINE = '\\ No newline at end of file';

/** The unified diff that turns `oldText` into `newText`; the empty string when they are equal. */
export function unifiedDiff(oldText: string, newText: string, opts: UnifiedDiffOptions): string {
  if (oldText === newText) return '';
  const edits = diffLines(splitLines(oldText), splitLines(newText));
  const context = opts.context ?? 3;
  const out: string[] = [`--- ${opts.fromLabel}`, `+++ ${opts.toLabel}`];
  for (const hunk of hunksOf(edits, context)) out.push(...renderHunk(edits, hunk));
  return `${out.join('\n')}\n`;
}

/** Lines keep their `\n`, so a missing newline at the end is a difference like any other. */
function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) break;
    lines.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

function diffLines(a: readonly string[], b: readonly string[]): Edit[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix += 1;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix += 1;

  const edits: Edit[] = a.slice(0, prefix).map((line) => ({ op: ' ', line }));
  edits.push(...alignMiddle(a.slice(prefix, a.length - suffix), b.slice(prefix, b.length - suffix)));
  edits.push(...a.slice(a.length - suffix).map((line): Edit => ({ op: ' ', line })));
  return edits;
}

function alignMiddle(a: readonly string[], b: readonly string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  if (n * m > MAX_LCS_CELLS) {
    return [...a.map((line): Edit => ({ op: '-', line })), ...b.map((line): Edit => ({ op: '+', line }))];
  }
  // lcs[i * (m + 1) + j]: length of the longest common subsequence of a[i..] and b[j..].
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      lcs[i * width + j] = a[i] === b[j] ? lcs[(i + 1) * width + j + 1]! + 1 : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
    }
  }
  const edits: Edit[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      edits.push({ op: ' ', line: a[i]! });
      i += 1;
      j += 1;
    } else if (lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!) {
      edits.push({ op: '-', line: a[i]! });
      i += 1;
    } else {
      edits.push({ op: '+', line: b[j]! });
      j += 1;
    }
  }
  for (; i < n; i += 1) edits.push({ op: '-', line: a[i]! });
  for (; j < m; j += 1) edits.push({ op: '+', line: b[j]! });
  return edits;
}

interface HunkRange {
  /** Indices into the edit list, end exclusive. */
  start: number;
  end: number;
}

/** Changes closer than twice the context share one hunk, as in `diff -u`. */
function hunksOf(edits: readonly Edit[], context: number): HunkRange[] {
  const changes: number[] = [];
  edits.forEach((edit, index) => {
    if (edit.op !== ' ') changes.push(index);
  });
  const hunks: HunkRange[] = [];
  let k = 0;
  while (k < changes.length) {
    const first = changes[k]!;
    let last = first;
    k += 1;
    while (k < changes.length && changes[k]! - last - 1 <= 2 * context) {
      last = changes[k]!;
      k += 1;
    }
    hunks.push({ start: Math.max(0, first - context), end: Math.min(edits.length, last + 1 + context) });
  }
  return hunks;
}

function renderHunk(edits: readonly Edit[], hunk: HunkRange): string[] {
  let oldBefore = 0;
  let newBefore = 0;
  for (let k = 0; k < hunk.start; k += 1) {
    if (edits[k]!.op !== '+') oldBefore += 1;
    if (edits[k]!.op !== '-') newBefore += 1;
  }
  let oldCount = 0;
  let newCount = 0;
  const body: string[] = [];
  for (let k = hunk.start; k < hunk.end; k += 1) {
    const { op, line } = edits[k]!;
    if (op !== '+') oldCount += 1;
    if (op !== '-') newCount += 1;
    const terminated = line.endsWith('\n');
    body.push(`${op}${terminated ? line.slice(0, -1) : line}`);
    if (!terminated) body.push(NO_NEWLINE);
  }
  return [`@@ -${rangeText(oldBefore, oldCount)} +${rangeText(newBefore, newCount)} @@`, ...body];
}

/** `start,count`, 1-based; an empty range names the line before it, and `,1` is left out. */
function rangeText(linesBefore: number, count: number): string {
  if (count === 0) return `${linesBefore},0`;
  return count === 1 ? `${linesBefore + 1}` : `${linesBefore + 1},${count}`;
}
