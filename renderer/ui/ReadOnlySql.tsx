import { sql, PostgreSQL } from '@codemirror/lang-sql';
import { EditorState } from '@codemirror/state';
import { EditorView, lineNumbers } from '@codemirror/view';
import { useEffect, useRef } from 'react';
import { editorTheme, sqlHighlighting } from './sql-highlight.ts';

/** The exact statement an approver decides on, highlighted, selectable, never editable. */
export function ReadOnlySql({ text, label, testId }: { text: string; label: string; testId?: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const view = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: text,
        extensions: [
          EditorState.readOnly.of(true),
          EditorView.editable.of(false),
          EditorView.lineWrapping,
          EditorView.contentAttributes.of({ 'aria-label': label, 'aria-readonly': 'true', tabindex: '0' }),
          lineNumbers(),
          sql({ dialect: PostgreSQL }),
          sqlHighlighting,
          editorTheme,
        ],
      }),
    });
    return () => view.destroy();
  }, [text, label]);
  return <div ref={host} className="read-only-sql" data-testid={testId} data-sql={text} />;
}
