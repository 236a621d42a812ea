import { StateEffect, StateField, type Extension } from '@codemirror/state';
import { Decoration, EditorView, type DecorationSet } from '@codemirror/view';
import type { PolicyProblem } from '../../../shared/bridge/admin-bridge.ts';

/** Replaces the problems the editor marks. */
export const setProblems = StateEffect.define<readonly PolicyProblem[]>();

/** Problems on lines that no longer exist (the text got shorter) are shown on the last line. */
function decorate(view: { doc: { lines: number; line(n: number): { from: number } } }, problems: readonly PolicyProblem[]): DecorationSet {
  const byLine = new Map<number, string[]>();
  for (const p of problems) {
    const line = Math.min(Math.max(1, p.line), view.doc.lines);
    byLine.set(line, [...(byLine.get(line) ?? []), p.path ? `${p.path}: ${p.message}` : p.message]);
  }
  const ranges = [...byLine.entries()]
    .sort(([a], [b]) => a - b)
    .map(([line, messages]) => Decoration.line({ class: 'cm-policy-problem', attributes: { title: messages.join('\n'), 'data-problem': 'true' } }).range(view.doc.line(line).from));
  return Decoration.set(ranges);
}

const problemField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(decorations, tr) {
    for (const effect of tr.effects) if (effect.is(setProblems)) return decorate(tr.state, effect.value);
    return decorations.map(tr.changes);
  },
  provide: (field) => EditorView.decorations.from(field),
});

/** Marks the lines validation found problems on, with the messages as their title. */
export const problemLines: Extension = [
  problemField,
  EditorView.baseTheme({
    '.cm-policy-problem': { backgroundColor: 'rgba(239, 68, 68, 0.12)', textDecoration: 'underline wavy rgba(239, 68, 68, 0.8)', textUnderlineOffset: '3px' },
  }),
];
