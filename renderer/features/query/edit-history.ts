import { Annotation, StateField, type ChangeSet, type EditorSelection, type EditorState, type Extension, type Transaction } from '@codemirror/state';
import { keymap, type Command } from '@codemirror/view';

/*
 * Undo and redo for the SQL editor. The CodeMirror commands package is not among the
 * project's dependencies, so this is a small history of our own: each entry is the inverse
 * of a change (plus the selection before it); typing within GROUP_MS joins one entry.
 */

interface Entry {
  inverse: ChangeSet;
  selection: EditorSelection;
  at: number;
}

interface History {
  done: readonly Entry[];
  undone: readonly Entry[];
}

const GROUP_MS = 500;
const DEPTH = 200;
const historyMove = Annotation.define<'undo' | 'redo'>();

const historyField = StateField.define<History>({
  create: () => ({ done: [], undone: [] }),
  update(history, tr) {
    if (!tr.docChanged) return history;
    const move = tr.annotation(historyMove);
    const reverse: Entry = { inverse: tr.changes.invert(tr.startState.doc), selection: tr.startState.selection, at: Date.now() };
    if (move === 'undo') return { done: history.done.slice(0, -1), undone: [...history.undone, reverse] };
    if (move === 'redo') return { done: [...history.done, reverse], undone: history.undone.slice(0, -1) };
    const last = history.done.at(-1);
    if (last && joinsLast(tr, last.at, reverse.at)) {
      const joined: Entry = { inverse: reverse.inverse.compose(last.inverse), selection: last.selection, at: reverse.at };
      return { done: [...history.done.slice(0, -1), joined], undone: [] };
    }
    return { done: [...history.done, reverse].slice(-DEPTH), undone: [] };
  },
});

function joinsLast(tr: Transaction, lastAt: number, now: number): boolean {
  return now - lastAt < GROUP_MS && (tr.isUserEvent('input.type') || tr.isUserEvent('delete'));
}

function step(direction: 'undo' | 'redo'): Command {
  return (view) => {
    const history = view.state.field(historyField);
    const entry = (direction === 'undo' ? history.done : history.undone).at(-1);
    if (!entry) return false;
    view.dispatch({ changes: entry.inverse, selection: entry.selection, annotations: historyMove.of(direction), scrollIntoView: true, userEvent: direction });
    return true;
  };
}

export const undo = step('undo');
export const redo = step('redo');

export function canUndo(state: EditorState): boolean {
  return state.field(historyField).done.length > 0;
}

export const editHistory: Extension = [
  historyField,
  keymap.of([
    { key: 'Mod-z', run: undo, preventDefault: true },
    { key: 'Mod-y', run: redo, preventDefault: true },
    { key: 'Mod-Shift-z', run: redo, preventDefault: true },
  ]),
];
