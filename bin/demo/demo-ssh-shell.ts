import { posix } from 'node:path';

/**
 * The small shell of the built-in demo SSH target (used where no real sshd can run): a handful
 * of everyday commands over a read-only in-memory file tree, with `;`, `&&` and `|`. Enough to
 * look around, leave something to search for in a recording, and be refused by policy.
 */

export interface ShellResult {
  output: string;
  exitCode: number;
  /** `exit` or `logout` ran: the session should end with `exitCode`. */
  exit: boolean;
}

export interface DemoShellOptions {
  user: string;
  hostname: string;
  /** Absolute path → content. */
  files: ReadonlyMap<string, string>;
  home: string;
  startedAt?: number;
  env?: Record<string, string>;
}

interface Invocation {
  args: string[];
  stdin: string | null;
}

interface Outcome {
  out: string;
  err: string;
  code: number;
  exit?: boolean;
}

const COMMANDS = ['help', 'echo', 'pwd', 'cd', 'ls', 'cat', 'head', 'tail', 'grep', 'wc', 'whoami', 'id', 'hostname', 'uname', 'date', 'uptime', 'env', 'ps', 'df', 'clear', 'exit', 'logout'];

/** Splits on whitespace, honouring single and double quotes and backslash escapes. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: '"' | "'" | null = null;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] ?? '';
    if (quote !== null) {
      if (char === quote) quote = null;
      else if (char === '\\' && quote === '"' && i + 1 < text.length) current += text[++i] ?? '';
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      started = true;
    } else if (char === '\\' && i + 1 < text.length) {
      current += text[++i] ?? '';
      started = true;
    } else if (/\s/.test(char)) {
      if (started) words.push(current);
      current = '';
      started = false;
    } else {
      current += char;
      started = true;
    }
  }
  if (started) words.push(current);
  return words;
}

export class DemoShell {
  cwd: string;
  private readonly directories = new Set<string>();
  private readonly startedAt: number;
  private readonly env: Record<string, string>;

  constructor(private readonly options: DemoShellOptions) {
    this.cwd = options.home;
    this.startedAt = options.startedAt ?? Date.now();
    for (const path of options.files.keys()) {
      for (let dir = posix.dirname(path); ; dir = posix.dirname(dir)) {
        this.directories.add(dir);
        if (dir === '/') break;
      }
    }
    this.env = { USER: options.user, HOME: options.home, SHELL: '/bin/gatehouse-demo-sh', PATH: '/usr/bin:/bin', ...options.env };
  }

  prompt(): string {
    const where = this.cwd === this.options.home ? '~' : this.cwd.startsWith(`${this.options.home}/`) ? `~${this.cwd.slice(this.options.home.length)}` : this.cwd;
    return `${this.options.user}@${this.options.hostname}:${where}$ `;
  }

  /** Runs one command line; `output` uses \n line ends. */
  run(line: string): ShellResult {
    let output = '';
    let exitCode = 0;
    // `a; b` always runs b; `a && b` runs b only when a succeeded.
    for (const sequence of line.split(';')) {
      const chain = sequence.split('&&');
      for (const [position, pipeline] of chain.entries()) {
        if (position > 0 && exitCode !== 0) break;
        if (pipeline.trim() === '') continue;
        const result = this.runPipeline(pipeline);
        output += result.err + result.out;
        exitCode = result.code;
        if (result.exit === true) return { output, exitCode, exit: true };
      }
    }
    return { output, exitCode, exit: false };
  }

  private runPipeline(pipeline: string): Outcome {
    let stdin: string | null = null;
    let last: Outcome = { out: '', err: '', code: 0 };
    let errors = '';
    for (const stage of pipeline.split('|')) {
      const args = splitWords(stage).map((word) => this.expand(word));
      if (args.length === 0) return { out: '', err: `${errors}gatehouse-demo-sh: syntax error near '|'\n`, code: 2 };
      last = this.invoke({ args, stdin });
      errors += last.err;
      stdin = last.out;
    }
    return { ...last, err: errors };
  }

  private expand(word: string): string {
    if (word === '~') return this.options.home;
    if (word.startsWith('~/')) return `${this.options.home}${word.slice(1)}`;
    return word.replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => this.env[name] ?? '');
  }

  private resolve(path: string): string {
    return posix.resolve(this.cwd, path);
  }

  private read(command: string, path: string): { text: string } | { error: string } {
    const absolute = this.resolve(path);
    const text = this.options.files.get(absolute);
    if (text !== undefined) return { text };
    if (this.directories.has(absolute)) return { error: `${command}: ${path}: Is a directory\n` };
    return { error: `${command}: ${path}: No such file or directory\n` };
  }

  /** The text of the named files, or stdin when none are named. */
  private inputs(command: string, files: string[], stdin: string | null): { text: string; err: string; code: number } {
    if (files.length === 0) return { text: stdin ?? '', err: '', code: 0 };
    let text = '';
    let err = '';
    for (const file of files) {
      const read = this.read(command, file);
      if ('text' in read) text += read.text;
      else err += read.error;
    }
    return { text, err, code: err === '' ? 0 : 1 };
  }

  private invoke({ args, stdin }: Invocation): Outcome {
    const [command = '', ...rest] = args;
    switch (command) {
      case 'help':
        return { out: `Commands: ${COMMANDS.join(' ')}\n`, err: '', code: 0 };
      case 'echo':
        return { out: `${rest.join(' ')}\n`, err: '', code: 0 };
      case 'pwd':
        return { out: `${this.cwd}\n`, err: '', code: 0 };
      case 'cd': {
        const target = this.resolve(rest[0] ?? this.options.home);
        if (!this.directories.has(target)) return { out: '', err: `cd: ${rest[0] ?? ''}: No such file or directory\n`, code: 1 };
        this.cwd = target;
        return { out: '', err: '', code: 0 };
      }
      case 'ls':
        return this.list(rest);
      case 'cat': {
        const input = this.inputs('cat', rest, stdin);
        return { out: input.text, err: input.err, code: input.code };
      }
      case 'head':
      case 'tail':
        return this.headOrTail(command, rest, stdin);
      case 'grep':
        return this.grep(rest, stdin);
      case 'wc': {
        const files = rest.filter((arg) => !arg.startsWith('-'));
        const input = this.inputs('wc', files, stdin);
        const lines = input.text.split('\n').length - 1;
        return { out: rest.includes('-l') ? `${lines}\n` : `${lines} ${input.text.split(/\s+/).filter(Boolean).length} ${Buffer.byteLength(input.text)}\n`, err: input.err, code: input.code };
      }
      case 'whoami':
        return { out: `${this.options.user}\n`, err: '', code: 0 };
      case 'id':
        return { out: `uid=1001(${this.options.user}) gid=1001(${this.options.user}) groups=1001(${this.options.user})\n`, err: '', code: 0 };
      case 'hostname':
        return { out: `${this.options.hostname}\n`, err: '', code: 0 };
      case 'uname':
        return { out: rest.includes('-a') ? `Linux ${this.options.hostname} 6.1.0-demo #1 SMP x86_64 GNU/Linux\n` : 'Linux\n', err: '', code: 0 };
      case 'date':
        return { out: `${new Date().toUTCString()}\n`, err: '', code: 0 };
      case 'uptime': {
        const minutes = Math.floor((Date.now() - this.startedAt) / 60_000);
        return { out: ` ${new Date().toISOString().slice(11, 19)} up ${minutes} min,  1 user,  load average: 0.08, 0.03, 0.01\n`, err: '', code: 0 };
      }
      case 'env':
        return { out: Object.entries(this.env).map(([key, value]) => `${key}=${value}\n`).join(''), err: '', code: 0 };
      case 'ps':
        return { out: '    PID TTY          TIME CMD\n      1 ?        00:00:02 shop-web\n     42 pts/0    00:00:00 gatehouse-demo-sh\n     43 pts/0    00:00:00 ps\n', err: '', code: 0 };
      case 'df':
        return { out: 'Filesystem      Size  Used Avail Use% Mounted on\n/dev/vda1        40G   12G   26G  32% /\n', err: '', code: 0 };
      case 'clear':
        return { out: '\x1b[H\x1b[2J', err: '', code: 0 };
      case 'exit':
      case 'logout':
        return { out: '', err: '', code: Number(rest[0] ?? 0) || 0, exit: true };
      default:
        return { out: '', err: `${command}: command not found\n`, code: 127 };
    }
  }

  private list(args: string[]): Outcome {
    const long = args.some((arg) => arg.startsWith('-') && arg.includes('l'));
    const paths = args.filter((arg) => !arg.startsWith('-'));
    let out = '';
    let err = '';
    for (const path of paths.length === 0 ? ['.'] : paths) {
      const absolute = this.resolve(path);
      const file = this.options.files.get(absolute);
      if (file !== undefined) {
        out += long ? `-rw-r--r-- 1 ${this.options.user} ${this.options.user} ${String(Buffer.byteLength(file)).padStart(5)} Jun 30 09:40 ${path}\n` : `${path}\n`;
        continue;
      }
      if (!this.directories.has(absolute)) {
        err += `ls: cannot access '${path}': No such file or directory\n`;
        continue;
      }
      const children = new Map<string, 'file' | 'dir'>();
      const prefix = absolute === '/' ? '/' : `${absolute}/`;
      for (const entry of [...this.options.files.keys(), ...this.directories]) {
        if (!entry.startsWith(prefix) || entry === absolute) continue;
        const [name = '', ...below] = entry.slice(prefix.length).split('/');
        children.set(name, below.length > 0 || this.directories.has(`${prefix}${name}`) ? 'dir' : 'file');
      }
      const names = [...children.keys()].sort();
      if (long) {
        for (const name of names) {
          const size = children.get(name) === 'dir' ? 4096 : Buffer.byteLength(this.options.files.get(`${prefix}${name}`) ?? '');
          const mode = children.get(name) === 'dir' ? 'drwxr-xr-x' : '-rw-r--r--';
          out += `${mode} 1 ${this.options.user} ${this.options.user} ${String(size).padStart(5)} Jun 30 09:40 ${name}\n`;
        }
      } else if (names.length > 0) {
        out += `${names.join('  ')}\n`;
      }
    }
    return { out, err, code: err === '' ? 0 : 2 };
  }

  private headOrTail(command: 'head' | 'tail', args: string[], stdin: string | null): Outcome {
    let count = 10;
    const files: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const arg = args[i] ?? '';
      if (arg === '-n') count = Number(args[++i] ?? 10);
      else if (/^-\d+$/.test(arg)) count = Number(arg.slice(1));
      else if (arg !== '-f') files.push(arg);
    }
    const input = this.inputs(command, files, stdin);
    const lines = input.text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const picked = command === 'head' ? lines.slice(0, count) : lines.slice(Math.max(0, lines.length - count));
    return { out: picked.length === 0 ? '' : `${picked.join('\n')}\n`, err: input.err, code: input.code };
  }

  private grep(args: string[], stdin: string | null): Outcome {
    const ignoreCase = args.includes('-i');
    const countOnly = args.includes('-c');
    const [pattern, ...files] = args.filter((arg) => !arg.startsWith('-'));
    if (pattern === undefined) return { out: '', err: 'usage: grep [-i] [-c] PATTERN [FILE...]\n', code: 2 };
    const input = this.inputs('grep', files, stdin);
    const needle = ignoreCase ? pattern.toLowerCase() : pattern;
    const matches = input.text.split('\n').filter((line) => line !== '' && (ignoreCase ? line.toLowerCase() : line).includes(needle));
    const out = countOnly ? `${matches.length}\n` : matches.map((line) => `${line}\n`).join('');
    return { out, err: input.err, code: input.err !== '' ? 2 : matches.length > 0 ? 0 : 1 };
  }
}
