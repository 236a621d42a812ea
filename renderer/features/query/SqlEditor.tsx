import { autocompletion, closeBrackets } from '@codemirror/autocomplete';
import { PostgreSQL, sql } from '@codemirror/lang-sql';
import { bracketMatching, indentOnInput } from '@codemirror/language';
import { Compartment, EditorState, Prec } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers, placeholder } from '@codemirror/view';
import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import { editorTheme, sqlHighlighting } from '../../ui/sql-highlight.ts';
import type { SchemaTable } from './completion-schema.ts';
import { completionNamespace } from './completion-schema.ts';
import { editHistory } from './edit-history.ts';
import { textToRun } from './run-selection.ts';

export interface SqlEditorHandle {
  /** The selection when there is one, else the whole text; null when blank. */
  textToRun(): string | null;
  /** Replaces the whole text (undoable), e.g. from history. */
  setText(text: string): void;
  focus(): void;
}

interface SqlEditorProps {
  initialText: string;
  tables: readonly SchemaTable[];
  label: string;
  onRun: () => void;
  onChange?: (text: string) => void;
}

/** The query pane's editor: PostgreSQL highlighting, completion of the connection's tables and columns, Ctrl/Cmd+Enter to run. */
export const SqlEditor = forwardRef<SqlEditorHandle, SqlEditorProps>(function SqlEditor({ initialText, tables, label, onRun, onChange }, ref) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const language = useRef(new Compartment());
  const callbacks = useRef({ onRun, onChange });
  useEffect(() => {
    callbacks.current = { onRun, onChange };
  });

  useEffect(() => {
    if (!host.current) return;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: initialText,
        extensions: [
          Prec.highest(
            keymap.of([
              {
                key: 'Mod-Enter',
                run: () => {
                  callbacks.current.onRun();
                  return true;
                },
                preventDefault: true,
              },
            ]),
          ),
          editHistory,
          lineNumbers(),
          highlightActiveLine(),
          highlightActiveLineGutter(),
          drawSelection(),
          bracketMatching(),
          closeBrackets(),
          indentOnInput(),
          autocompletion({ activateOnTyping: true }),
          language.current.of(sql({ dialect: PostgreSQL, upperCaseKeywords: false })),
          sqlHighlighting,
          editorTheme,
          placeholder('Write SQL here; Ctrl+Enter (⌘+Enter) runs the selection or everything'),
          EditorView.contentAttributes.of({ 'aria-label': label, 'aria-multiline': 'true', 'data-testid': 'sql-editor-input' }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) callbacks.current.onChange?.(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // The editor is created once; its text then lives in CodeMirror, not in React state.
  }, []);

  useEffect(() => {
    view.current?.dispatch({
      effects: language.current.reconfigure(sql({ dialect: PostgreSQL, upperCaseKeywords: false, schema: completionNamespace(tables), defaultSchema: 'public' })),
    });
  }, [tables]);

  useImperativeHandle(ref, () => ({
    textToRun() {
      const editor = view.current;
      if (!editor) return null;
      return textToRun(editor.state.doc.toString(), editor.state.selection.ranges);
    },
    setText(text: string) {
      const editor = view.current;
      if (!editor) return;
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text }, selection: { anchor: text.length }, userEvent: 'input.history' });
      editor.focus();
    },
    focus() {
      view.current?.focus();
    },
  }));

  return <div ref={host} className="sql-editor" data-testid="sql-editor" />;
});
