/** One line of a diff between two texts. */
export interface DiffLine {
  kind: 'same' | 'add' | 'del';
  text: string;
  /** Line number in the old text (1-based); null for an added line. */
  oldLine: number | null;
  /** Line number in the new text (1-based); null for a removed line. */
  newLine: number | null;
}

/** Beyond this many lines on either side the table would be too big; the diff degrades to remove-all, add-all. */
const MAX_LCS_CELLS = 4_000_000;

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * A line diff by longest common subsequence: the policy documents are small, so the plain table
 * is fast enough and gives the minimal diff. Removals come before additions at each change.
 */
export function diffLines(oldText: string, newText: string): DiffLine[] {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  // Common head and tail need no table.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const out: DiffLine[] = [];
  for (let i = 0; i < head; i++) out.push({ kind: 'same', text: a[i]!, oldLine: i + 1, newLine: i + 1 });
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  out.push(...diffMiddle(midA, midB, head));
  for (let k = tail; k > 0; k--) {
    const i = a.length - k;
    const j = b.length - k;
    out.push({ kind: 'same', text: a[i]!, oldLine: i + 1, newLine: j + 1 });
  }
  return out;
}

function diffMiddle(a: string[], b: string[], offset: number): DiffLine[] {
  const n = a.length;
  const m = b.length;
  const out: DiffLine[] = [];
  if ((n + 1) * (m + 1) > MAX_LCS_CELLS) {
    a.forEach((text, i) => out.push({ kind: 'del', text, oldLine: offset + i + 1, newLine: null }));
    b.forEach((text, j) => out.push({ kind: 'add', text, oldLine: null, newLine: offset + j + 1 }));
    return out;
  }
  // lcs[i][j]: length of the LCS of a[i..] and b[j..].
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] = a[i] === b[j] ? lcs[(i + 1) * width + j + 1]! + 1 : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ kind: 'same', text: a[i]!, oldLine: offset + i + 1, newLine: offset + j + 1 });
      i++;
      j++;
    } else if (j >= m || (i < n && lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!)) {
      out.push({ kind: 'del', text: a[i]!, oldLine: offset + i + 1, newLine: null });
      i++;
    } else {
      out.push({ kind: 'add', text: b[j]!, oldLine: null, newLine: offset + j + 1 });
      j++;
    }
  }
  return out;
}

/** Reads a unified diff (as the server's policy diff sends it) into lines; headers and hunk lines set the numbering. */
export function parseUnifiedDiff(diff: string): DiffLine[] {
  const out: DiffLine[] = [];
  let oldNo = 0;
  let newNo = 0;
  for (const line of diff.split(/\r?\n/)) {
    const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (hunk) {
      oldNo = Number(hunk[1]);
      newNo = Number(hunk[2]);
      continue;
    }
    if (line.startsWith('---') || line.startsWith('+++') || line.startsWith('\\') || line.startsWith('diff ') || line.startsWith('Index:') || line.startsWith('====')) continue;
    if (line.startsWith('+')) out.push({ kind: 'add', text: line.slice(1), oldLine: null, newLine: newNo++ });
    else if (line.startsWith('-')) out.push({ kind: 'del', text: line.slice(1), oldLine: oldNo++, newLine: null });
    else if (line.startsWith(' ')) out.push({ kind: 'same', text: line.slice(1), oldLine: oldNo++, newLine: newNo++ });
  }
  return out;
}

/** Whether a diff changes anything. */
export function hasChanges(lines: readonly DiffLine[]): boolean {
  return lines.some((line) => line.kind !== 'same');
}
