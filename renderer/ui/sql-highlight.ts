import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { EditorView } from '@codemirror/view';
import { tags } from '@lezer/highlight';

/*
 * Colours come from CSS variables (app.css) so the editor follows the Mantine light/dark
 * scheme without being rebuilt.
 */
const sqlHighlightStyle = HighlightStyle.define([
  { tag: [tags.keyword, tags.operatorKeyword, tags.modifier], color: 'var(--gh-sql-keyword)', fontWeight: '600' },
  { tag: [tags.string, tags.special(tags.string)], color: 'var(--gh-sql-string)' },
  { tag: [tags.number, tags.bool, tags.null], color: 'var(--gh-sql-number)' },
  { tag: [tags.lineComment, tags.blockComment, tags.comment], color: 'var(--gh-sql-comment)', fontStyle: 'italic' },
  { tag: [tags.typeName, tags.standard(tags.name)], color: 'var(--gh-sql-type)' },
  { tag: [tags.special(tags.name), tags.propertyName], color: 'var(--gh-sql-name)' },
  { tag: [tags.operator, tags.punctuation, tags.bracket], color: 'var(--gh-sql-punctuation)' },
]);

export const sqlHighlighting = syntaxHighlighting(sqlHighlightStyle);

export const editorTheme = EditorView.theme({
  '&': { color: 'var(--mantine-color-text)', backgroundColor: 'var(--mantine-color-body)', fontSize: '13px' },
  '.cm-content': { fontFamily: 'var(--mantine-font-family-monospace)', caretColor: 'var(--mantine-color-text)' },
  '.cm-gutters': { backgroundColor: 'var(--mantine-color-default)', color: 'var(--mantine-color-dimmed)', border: 'none' },
  '.cm-activeLine': { backgroundColor: 'var(--gh-active-line)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--gh-active-line)' },
  '&.cm-focused': { outline: '2px solid var(--mantine-primary-color-filled)', outlineOffset: '-2px' },
  '.cm-selectionBackground, &.cm-focused .cm-selectionBackground, ::selection': { backgroundColor: 'var(--gh-selection) !important' },
  '.cm-cursor': { borderLeftColor: 'var(--mantine-color-text)' },
  '.cm-tooltip': { backgroundColor: 'var(--mantine-color-body)', border: '1px solid var(--mantine-color-default-border)' },
  '.cm-tooltip-autocomplete > ul > li[aria-selected]': { backgroundColor: 'var(--mantine-primary-color-filled)', color: 'var(--mantine-color-white)' },
});
