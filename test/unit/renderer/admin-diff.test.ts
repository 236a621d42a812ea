import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffLines, hasChanges, parseUnifiedDiff, type DiffLine } from '../../../renderer/features/admin/line-diff.ts';

const render = (lines: DiffLine[]) => lines.map((l) => `${l.kind === 'same' ? ' ' : l.kind === 'add' ? '+' : '-'}${l.text}`);

describe('diffLines', () => {
  it('shows a changed rule as one removal and one addition, with line numbers of both sides', () => {
    const before = 'version: 1\nrules:\n  - name: reads\n    action: allow\n';
    const after = 'version: 1\nrules:\n  - name: reads\n    action: approve\n';
    const diff = diffLines(before, after);
    expect(render(diff)).toEqual([' version: 1', ' rules:', '   - name: reads', '-    action: allow', '+    action: approve']);
    expect(diff[3]).toMatchObject({ oldLine: 4, newLine: null });
    expect(diff[4]).toMatchObject({ oldLine: null, newLine: 4 });
    expect(hasChanges(diff)).toBe(true);
    expect(hasChanges(diffLines(before, before))).toBe(false);
  });

  it('rebuilds both texts and is minimal on insertions', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 30 }), fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 30 }), (a, b) => {
        const diff = diffLines(a.join('\n'), b.join('\n'));
        const oldSide = diff.filter((l) => l.kind !== 'add').map((l) => l.text);
        const newSide = diff.filter((l) => l.kind !== 'del').map((l) => l.text);
        return oldSide.join('\n') === a.join('\n') && newSide.join('\n') === b.join('\n');
      }),
    );
    const inserted = diffLines('a\nb\nc', 'a\nx\nb\nc');
    expect(inserted.filter((l) => l.kind !== 'same')).toEqual([{ kind: 'add', text: 'x', oldLine: null, newLine: 2 }]);
  });
});

describe('parseUnifiedDiff', () => {
  it('reads hunks with their line numbers and skips headers', () => {
    const diff = ['--- v1', '+++ v2', '@@ -3,3 +3,3 @@', ' rules:', '-  a: 1', '+  a: 2', ' end', '\\ No newline at end of file'].join('\n');
    expect(parseUnifiedDiff(diff)).toEqual([
      { kind: 'same', text: 'rules:', oldLine: 3, newLine: 3 },
      { kind: 'del', text: '  a: 1', oldLine: 4, newLine: null },
      { kind: 'add', text: '  a: 2', oldLine: null, newLine: 4 },
      { kind: 'same', text: 'end', oldLine: 5, newLine: 5 },
    ]);
  });
});
