import { normalizeCommandText } from './ssh-command-glob.ts';

/**
 * A best-effort reading of a POSIX shell command line, good enough to judge it against exec
 * rules without being fooled by the obvious: `ls; rm -rf /`, `ls $(rm -rf /)`, `sudo rm`,
 * `FOO=1 /bin/rm`. It is not a shell: variables, aliases, eval, `bash -c "$(base64 -d …)"`
 * and friends can hide what runs, which is why allow rules demand that EVERY piece matches
 * and why docs/ssh.md does not sell exec rules as more than they are.
 */
export interface CommandSegment {
  /** The simple command as written (quotes kept), whitespace collapsed, leading shell keywords removed. */
  text: string;
  /** Its words with quotes and escapes resolved. */
  words: string[];
  /**
   * The program and arguments that really run: leading assignments and wrappers (sudo, env,
   * nohup, …) dropped, the program's directory removed, words joined by single spaces.
   */
  core: string;
  /** The segment redirects input or output (`>`, `<`, `2>&1`, …). */
  redirects: boolean;
}

// Reserved words that may precede a command; stripping them lets `if rm -rf /` match `rm *`.
const LEADING_KEYWORDS = /^(?:(?:if|then|else|elif|do|while|until|time|!|\{|\})(?: |$))+/;
const CLOSING_KEYWORDS = new Set(['fi', 'done', 'esac', '}', 'then', 'else', 'do']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** Wrappers that run the rest of their arguments as a command, with the options that take a value. */
const WRAPPERS: Record<string, ReadonlySet<string>> = {
  sudo: new Set(['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-T', '-U', '--user', '--group']),
  doas: new Set(['-u', '-C']),
  env: new Set(['-u', '-C', '-S', '--unset', '--chdir']),
  command: new Set(),
  builtin: new Set(),
  exec: new Set(['-a']),
  nohup: new Set(),
  nice: new Set(['-n', '--adjustment']),
  time: new Set(['-f', '-o', '--format', '--output']),
  timeout: new Set(['-s', '-k', '--signal', '--kill-after']),
  setsid: new Set(),
  stdbuf: new Set(['-i', '-o', '-e']),
  ionice: new Set(['-c', '-n', '-p']),
};
// timeout's first non-option argument is the duration, not the command.
const WRAPPERS_WITH_POSITIONAL: Record<string, number> = { timeout: 1 };

export function splitCommandLine(line: string): CommandSegment[] {
  const raw: RawSegment[] = [];
  parseList(line, 0, null, raw);
  const segments: CommandSegment[] = [];
  for (const segment of raw) {
    const text = normalizeCommandText(segment.text).replace(LEADING_KEYWORDS, '').trim();
    const words = dropLeadingKeywords(segment.words);
    if (text === '' || words.length === 0 || (words.length === 1 && CLOSING_KEYWORDS.has(words[0]!))) continue;
    segments.push({ text, words, core: coreOf(words), redirects: segment.redirects });
  }
  return segments;
}

interface RawSegment {
  text: string;
  words: string[];
  word: string;
  inWord: boolean;
  redirects: boolean;
}

function newSegment(): RawSegment {
  return { text: '', words: [], word: '', inWord: false, redirects: false };
}

function endWord(segment: RawSegment): void {
  if (segment.inWord) segment.words.push(segment.word);
  segment.word = '';
  segment.inWord = false;
}

/**
 * Reads simple commands from `s` starting at `i` until the end or the unquoted `closer`,
 * pushing every segment — those inside command substitutions too — to `out`. Returns the
 * index after the closer.
 */
function parseList(s: string, start: number, closer: ')' | '`' | null, out: RawSegment[]): number {
  let segment = newSegment();
  const flush = (): void => {
    endWord(segment);
    out.push(segment);
    segment = newSegment();
  };
  const append = (text: string, word: string = text): void => {
    segment.text += text;
    segment.word += word;
    segment.inWord = true;
  };
  let quote: "'" | '"' | null = null;
  let i = start;
  while (i < s.length) {
    const c = s[i]!;
    const next = s[i + 1] ?? '';
    if (quote === "'") {
      if (c === "'") {
        quote = null;
        segment.text += c;
      } else append(c);
      i++;
      continue;
    }
    if (c === '\\') {
      append(c + next, next === '\n' ? '' : next);
      i += 2;
      continue;
    }
    // Command substitution runs even inside double quotes.
    if ((c === '$' || (quote === null && (c === '<' || c === '>'))) && next === '(') {
      const end = parseList(s, i + 2, ')', out);
      append(s.slice(i, end));
      i = end;
      continue;
    }
    if (c === '`' && closer !== '`') {
      const end = parseList(s, i + 1, '`', out);
      append(s.slice(i, end));
      i = end;
      continue;
    }
    if (quote === '"') {
      if (c === '"') {
        quote = null;
        segment.text += c;
      } else append(c);
      i++;
      continue;
    }
    if (closer !== null && c === closer) {
      flush();
      return i + 1;
    }
    if (c === "'" || c === '"') {
      quote = c;
      segment.text += c;
      segment.inWord = true;
      i++;
      continue;
    }
    if ((c === '<' || c === '>') || (c === '&' && next === '>')) {
      // `2>&1`, `&>`, `>|`, `<<`: one redirection, not a list separator.
      endWord(segment);
      segment.redirects = true;
      const width = next === '&' || next === '|' || next === '>' || next === '<' || c === '&' ? 2 : 1;
      segment.text += ` ${s.slice(i, i + width)} `;
      i += width;
      continue;
    }
    if (c === ';' || c === '&' || c === '|' || c === '\n' || c === '(' || c === ')') {
      flush();
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      endWord(segment);
      segment.text += ' ';
      i++;
      continue;
    }
    append(c);
    i++;
  }
  flush();
  return i;
}

function dropLeadingKeywords(words: string[]): string[] {
  let i = 0;
  while (i < words.length - 1 && /^(?:if|then|else|elif|do|while|until|time|!|\{|\})$/.test(words[i]!)) i++;
  return words.slice(i);
}

function coreOf(words: readonly string[]): string {
  let i = 0;
  for (;;) {
    while (i < words.length && ASSIGNMENT.test(words[i]!)) i++;
    const program = basename(words[i] ?? '');
    const valued = WRAPPERS[program];
    if (valued === undefined || i === words.length - 1) break;
    i++;
    let positional = WRAPPERS_WITH_POSITIONAL[program] ?? 0;
    while (i < words.length) {
      const word = words[i]!;
      if (word === '--') {
        i++;
        break;
      }
      if (word.startsWith('-') && word.length > 1) {
        i += valued.has(word) ? 2 : 1;
        continue;
      }
      if (program === 'env' && ASSIGNMENT.test(word)) {
        i++;
        continue;
      }
      if (positional > 0) {
        positional--;
        i++;
        continue;
      }
      break;
    }
  }
  const rest = words.slice(i);
  if (rest.length === 0) return '';
  return normalizeCommandText([basename(rest[0]!), ...rest.slice(1)].join(' '));
}

function basename(word: string): string {
  const slash = word.lastIndexOf('/');
  return slash === -1 || slash === word.length - 1 ? word : word.slice(slash + 1);
}

/** What a transfer-class command line does, from the first segment that is one. */
export interface CommandTransfer {
  protocol: 'scp' | 'rsync' | 'sftp';
  direction: 'upload' | 'download' | 'unknown';
  /** The remote path as the command names it; '' when it does not. */
  path: string;
}

/**
 * scp's and rsync's remote halves and a directly started sftp-server move files just like
 * the sftp subsystem, so the policy's `sftp` setting governs them too.
 */
export function transferOf(segments: readonly CommandSegment[]): CommandTransfer | null {
  for (const segment of segments) {
    const words = segment.core.split(' ');
    const program = words[0] ?? '';
    const args = words.slice(1);
    if (program === 'scp') {
      const flags = args.filter((a) => /^-[A-Za-z]+$/.test(a)).join('');
      const direction = flags.includes('t') ? 'upload' : flags.includes('f') ? 'download' : 'unknown';
      const path = args.filter((a) => !a.startsWith('-')).at(-1) ?? '';
      return { protocol: 'scp', direction, path };
    }
    if (program === 'rsync' && args.includes('--server')) {
      const path = args.filter((a) => !a.startsWith('-') && a !== '.').at(-1) ?? '';
      return { protocol: 'rsync', direction: args.includes('--sender') ? 'download' : 'upload', path };
    }
    if (program === 'sftp-server') return { protocol: 'sftp', direction: 'unknown', path: '' };
  }
  return null;
}
