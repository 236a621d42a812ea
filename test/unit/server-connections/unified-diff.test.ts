import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../../server/connections/unified-diff.ts';

const labels = { fromLabel: 'v1', toLabel: 'v2' };

/** Applies a unified diff the way `patch` does, checking every context and removed line against the old text. */
function applyUnifiedDiff(oldText: string, diff: string): string {
  if (diff === '') return oldText;
  const oldLines = splitKeepingNewlines(oldText);
  const lines = diff.split('\n');
  expect(lines.pop()).toBe('');
  expect(lines[0]).toMatch(/^--- /);
  expect(lines[1]).toMatch(/^\+\+\+ /);
  const out: string[] = [];
  let oldIndex = 0;
  let k = 2;
  while (k < lines.length) {
    const header = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$/.exec(lines[k]!);
    if (header === null) throw new Error(`expected a hunk header, got ${lines[k]}`);
    const oldStart = Number(header[1]);
    const oldCount = header[2] === undefined ? 1 : Number(header[2]);
    const newStart = Number(header[3]);
    const newCount = header[4] === undefined ? 1 : Number(header[4]);
    const hunkOldStart = oldCount === 0 ? oldStart : oldStart - 1;
    expect(hunkOldStart).toBeGreaterThanOrEqual(oldIndex);
    while (oldIndex < hunkOldStart) out.push(oldLines[oldIndex++]!);
    expect(newCount === 0 ? newStart : newStart - 1).toBe(out.length);
    k += 1;
    let seenOld = 0;
    let seenNew = 0;
    while (k < lines.length && !lines[k]!.startsWith('@@')) {
      const line = lines[k]!;
      const noNewline = lines[k + 1] === '\\ No newline at end of file';
      const text = line.slice(1) + (noNewline ? '' : '\n');
      if (line.startsWith(' ') || line.startsWith('-')) {
        expect(oldLines[oldIndex]).toBe(text);
        oldIndex += 1;
        seenOld += 1;
      }
      if (line.startsWith(' ') || line.startsWith('+')) {
        out.push(text);
        seenNew += 1;
      }
      k += noNewline ? 2 : 1;
    }
    expect([seenOld, seenNew]).toEqual([oldCount, newCount]);
  }
  while (oldIndex < oldLines.length) out.push(oldLines[oldIndex++]!);
  return out.join('');
}

function splitKeepingNewlines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

describe('unifiedDiff', () => {
  it('prints what `diff -u` prints for a policy edit, including a missing final newline', () => {
    const before = 'version: 1\nconnection: c\ndefault: allow\nrules:\n  - name: a\n    when: { class: [read] }\n    action: allow\n';
    const after = 'version: 1\nconnection: c\ndefault: block\nrules:\n  - name: a\n    when: { class: [read] }\n    action: allow\n  - name: b\n    when: { class: [ddl] }\n    action: block';
    expect(unifiedDiff(before, after, labels)).toBe(
      [
        '--- v1',
        '+++ v2',
        '@@ -1,7 +1,10 @@',
        ' version: 1',
        ' connection: c',
        '-default: allow',
        '+default: block',
        ' rules:',
        '   - name: a',
        '     when: { class: [read] }',
        '     action: allow',
        '+  - name: b',
        '+    when: { class: [ddl] }',
        '+    action: block',
        '\\ No newline at end of file',
        '',
      ].join('\n'),
    );
  });

  it('splits distant changes into separate hunks with three lines of context', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}\n`).join('');
    const after = before.replace('line 2\n', 'line two\n').replace('line 18\n', '');
    expect(unifiedDiff(before, after, labels)).toBe(
      [
        '--- v1',
        '+++ v2',
        '@@ -1,5 +1,5 @@',
        ' line 1',
        '-line 2',
        '+line two',
        ' line 3',
        ' line 4',
        ' line 5',
        '@@ -15,6 +15,5 @@',
        ' line 15',
        ' line 16',
        ' line 17',
        '-line 18',
        ' line 19',
        ' line 20',
        '',
      ].join('\n'),
    );
  });

  it('merges changes whose context would overlap, and honours a custom context', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng\n';
    const after = 'A\nb\nc\nd\ne\nf\nG\n';
    const diff = unifiedDiff(before, after, labels);
    expect(diff.match(/^@@/gm)).toHaveLength(1);
    expect(unifiedDiff(before, after, { ...labels, context: 0 })).toBe('--- v1\n+++ v2\n@@ -1 +1 @@\n-a\n+A\n@@ -7 +7 @@\n-g\n+G\n');
  });

  it('names an empty side with a zero-length range', () => {
    expect(unifiedDiff('', 'x\ny\n', labels)).toBe('--- v1\n+++ v2\n@@ -0,0 +1,2 @@\n+x\n+y\n');
    expect(unifiedDiff('x\n', '', labels)).toBe('--- v1\n+++ v2\n@@ -1 +0,0 @@\n-x\n');
  });

  it('is empty for equal texts and reports a change of the final newline alone', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', labels)).toBe('');
    expect(unifiedDiff('a\nb\n', 'a\nb', labels)).toBe('--- v1\n+++ v2\n@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file\n');
  });

  it('turns the old text into the new one when applied, for any pair of texts', () => {
    const line = fc.constantFrom('a', 'b', 'c', 'rules:', '  - name: x', '', '@@ x', '--- y');
    const text = fc.tuple(fc.array(line, { maxLength: 30 }), fc.boolean()).map(([lines, finalNewline]) =>
      lines.length === 0 ? '' : lines.join('\n') + (finalNewline ? '\n' : ''),
    );
    fc.assert(
      fc.property(text, text, fc.integer({ min: 0, max: 4 }), (before, after, context) => {
        expect(applyUnifiedDiff(before, unifiedDiff(before, after, { ...labels, context }))).toBe(after);
      }),
      { numRuns: 500 },
    );
  });

  it('still produces a correct diff for texts too long to align', () => {
    const before = Array.from({ length: 2500 }, (_, i) => `old ${i}\n`).join('');
    const after = Array.from({ length: 2500 }, (_, i) => `new ${i}\n`).join('');
    const diff = unifiedDiff(`same\n${before}same\n`, `same\n${after}same\n`, labels);
    expect(applyUnifiedDiff(`same\n${before}same\n`, diff)).toBe(`same\n${after}same\n`);
  });
});
