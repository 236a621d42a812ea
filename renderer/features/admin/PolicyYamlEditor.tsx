import { EditorSelection, EditorState } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, lineNumbers } from '@codemirror/view';
import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import type { PolicyProblem } from '../../../shared/bridge/admin-bridge.ts';
import { editorTheme, sqlHighlighting } from '../../ui/sql-highlight.ts';
import { editHistory } from '../query/edit-history.ts';
import { policyYaml } from './policy-yaml-language.ts';
import { problemLines, setProblems } from './problem-lines.ts';

export interface PolicyYamlEditorHandle {
  /** Replaces the whole text (undoable), e.g. a past version restored. */
  setText(text: string): void;
  /** Puts the cursor on a line and shows it. */
  goTo(line: number, column: number): void;
}

/** The policy document in CodeMirror: YAML highlighting, undo, and validation problems marked on their lines. */
export const PolicyYamlEditor = forwardRef<PolicyYamlEditorHandle, { initialText: string; problems: readonly PolicyProblem[]; onChange: (text: string) => void; label: string }>(
  function PolicyYamlEditor({ initialText, problems, onChange, label }, ref) {
    const host = useRef<HTMLDivElement>(null);
    const view = useRef<EditorView | null>(null);
    const latestOnChange = useRef(onChange);
    useEffect(() => {
      latestOnChange.current = onChange;
    });

    useEffect(() => {
      if (!host.current) return;
      const editor = new EditorView({
        parent: host.current,
        state: EditorState.create({
          doc: initialText,
          extensions: [
            editHistory,
            lineNumbers(),
            highlightActiveLine(),
            highlightActiveLineGutter(),
            drawSelection(),
            policyYaml,
            sqlHighlighting,
            editorTheme,
            problemLines,
            EditorState.tabSize.of(2),
            EditorView.contentAttributes.of({ 'aria-label': label, 'aria-multiline': 'true', 'data-testid': 'policy-editor-input' }),
            EditorView.updateListener.of((update) => {
              if (update.docChanged) latestOnChange.current(update.state.doc.toString());
            }),
          ],
        }),
      });
      view.current = editor;
      return () => {
        editor.destroy();
        view.current = null;
      };
      // Created once per document; the text then lives in CodeMirror.
    }, []);

    useEffect(() => {
      view.current?.dispatch({ effects: setProblems.of(problems) });
    }, [problems]);

    useImperativeHandle(ref, () => ({
      setText(text: string) {
        const editor = view.current;
        if (!editor) return;
        editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text }, userEvent: 'input.restore' });
      },
      goTo(line: number, column: number) {
        const editor = view.current;
        if (!editor) return;
        const doc = editor.state.doc;
        const target = doc.line(Math.min(Math.max(1, line), doc.lines));
        const pos = Math.min(target.to, target.from + Math.max(0, column - 1));
        editor.dispatch({ selection: EditorSelection.cursor(pos), effects: EditorView.scrollIntoView(pos, { y: 'center' }) });
        editor.focus();
      },
    }));

    return <div ref={host} className="policy-editor" data-testid="policy-editor" />;
  },
);
