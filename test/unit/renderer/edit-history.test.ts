import { EditorState, type TransactionSpec } from '@codemirror/state';
import type { EditorView } from '@codemirror/view';
import { describe, expect, it } from 'vitest';
import { canUndo, editHistory, redo, undo } from '../../../renderer/features/query/edit-history.ts';

/** Just enough of a view to run the history commands against a real EditorState. */
function harness(doc: string) {
  const host = {
    state: EditorState.create({ doc, extensions: [editHistory] }),
    dispatch(...specs: TransactionSpec[]) {
      host.state = host.state.update(...specs).state;
    },
  };
  return { host, view: host as unknown as EditorView };
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

describe('edit history', () => {
  it('undoes and redoes separate edits one at a time, restoring the selection', async () => {
    const { host, view } = harness('select 1');
    host.dispatch({ changes: { from: 8, insert: ' from t' }, selection: { anchor: 15 }, userEvent: 'input.paste' });
    host.dispatch({ changes: { from: 0, to: 6, insert: 'SELECT' }, userEvent: 'input.paste' });
    expect(host.state.doc.toString()).toBe('SELECT 1 from t');
    expect(undo(view)).toBe(true);
    expect(host.state.doc.toString()).toBe('select 1 from t');
    expect(host.state.selection.main.anchor).toBe(15);
    expect(undo(view)).toBe(true);
    expect(host.state.doc.toString()).toBe('select 1');
    expect(host.state.selection.main.anchor).toBe(0);
    expect(undo(view)).toBe(false);
    expect(canUndo(host.state)).toBe(false);
    expect(redo(view)).toBe(true);
    expect(redo(view)).toBe(true);
    expect(host.state.doc.toString()).toBe('SELECT 1 from t');
    expect(redo(view)).toBe(false);
  });

  it('joins quick typing into one step, but not typing after a pause', async () => {
    const { host, view } = harness('');
    for (const [i, ch] of [...'abc'].entries()) host.dispatch({ changes: { from: i, insert: ch }, userEvent: 'input.type' });
    await sleep(600);
    host.dispatch({ changes: { from: 3, insert: 'd' }, userEvent: 'input.type' });
    expect(undo(view)).toBe(true);
    expect(host.state.doc.toString()).toBe('abc');
    expect(undo(view)).toBe(true);
    expect(host.state.doc.toString()).toBe('');
  });

  it('drops the redo stack after a new edit', () => {
    const { host, view } = harness('a');
    host.dispatch({ changes: { from: 1, insert: 'b' }, userEvent: 'input.paste' });
    undo(view);
    host.dispatch({ changes: { from: 1, insert: 'z' }, userEvent: 'input.paste' });
    expect(redo(view)).toBe(false);
    expect(host.state.doc.toString()).toBe('az');
  });
});
