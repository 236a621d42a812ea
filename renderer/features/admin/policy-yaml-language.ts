import { StreamLanguage, type StringStream } from '@codemirror/language';

interface YamlState {
  /** After the `key:` of the line, values follow. */
  inValue: boolean;
}

/**
 * Enough YAML highlighting for policy documents (keys, strings, numbers, booleans, comments,
 * list dashes); no YAML language package is among the dependencies, and validation is the
 * broker's real parser, not this.
 */
export const policyYaml = StreamLanguage.define<YamlState>({
  name: 'yaml',
  startState: () => ({ inValue: false }),
  token(stream: StringStream, state: YamlState): string | null {
    if (stream.sol()) state.inValue = false;
    if (stream.eatSpace()) return null;
    if (stream.peek() === '#' && (stream.sol() || /\s/.test(stream.string.charAt(stream.pos - 1)))) {
      stream.skipToEnd();
      return 'comment';
    }
    if (stream.sol() && stream.match(/^(---|\.\.\.)\s*$/)) return 'meta';
    if (!state.inValue && stream.match(/^-(?=\s|$)/)) return 'punctuation';
    if (!state.inValue && stream.match(/^(?:"[^"]*"|'[^']*'|[^\s#:'"][^#:]*?)(?=\s*:(?:\s|$))/)) return 'propertyName';
    if (stream.match(/^:(?=\s|$)/)) {
      state.inValue = true;
      return 'punctuation';
    }
    if (stream.match(/^"(?:[^"\\]|\\.)*"?/) || stream.match(/^'(?:[^']|'')*'?/)) return 'string';
    if (stream.match(/^[[\]{},]/)) return 'punctuation';
    if (stream.match(/^[|>][-+]?\d*(?=\s|$)/)) return 'meta';
    if (stream.match(/^(?:true|false|yes|no|on|off)(?=[\s,\]}#]|$)/i)) return 'bool';
    if (stream.match(/^(?:null|~)(?=[\s,\]}#]|$)/)) return 'null';
    if (stream.match(/^[-+]?(?:\d[\d_]*(?:\.\d+)?(?:e[-+]?\d+)?|0x[\da-f]+)(?=[\s,\]}#]|$)/i)) return 'number';
    if (stream.match(/^[&*][^\s,\]}]+/)) return 'atom';
    // A plain scalar runs to a comment or the end of the flow item.
    if (!stream.match(/^[^#,\]}]*?(?=\s+#|[,\]}]|$)/) || stream.current() === '') stream.next();
    return 'string';
  },
  languageData: { commentTokens: { line: '#' } },
});
