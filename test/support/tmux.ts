import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerExitCleanup, runCommandOrThrow } from './child-processes.ts';

/**
 * A real terminal for interactive tests: a tmux server of its own (own socket, no status line,
 * so the pane is exactly the window's size) running one command. tmux daemonizes, so it is
 * stopped by the PID it reports, also when the test process dies first.
 */
export interface TmuxTerminal {
  serverPid: number;
  /** Types `text` literally, then Enter unless `enter` is false. */
  type(text: string, enter?: boolean): Promise<void>;
  /** The visible screen as text, one line per row. */
  capture(): Promise<string>;
  resize(cols: number, rows: number): Promise<void>;
  /** The program running in the pane now (e.g. `ssh`, then `sleep` once it exited). */
  currentCommand(): Promise<string>;
  stop(): Promise<void>;
}

const SESSION = 'main';

export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

export async function startTmux(command: readonly string[], size: { cols: number; rows: number }): Promise<TmuxTerminal> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-tmux-'));
  const socket = join(dir, 'socket');
  const config = join(dir, 'tmux.conf');
  writeFileSync(config, ['set -g status off', 'set -g default-terminal screen', 'set -g escape-time 0', ''].join('\n'));
  const tmux = (...args: string[]): Promise<{ stdout: string }> => runCommandOrThrow('tmux', ['-S', socket, '-f', config, ...args]);
  // The pane stays after the command ends (a sleep keeps it), still showing the final screen.
  const shellLine = `${command.map(shellQuote).join(' ')}; exec sleep 600`;
  await tmux('new-session', '-d', '-s', SESSION, '-x', String(size.cols), '-y', String(size.rows), shellLine);
  const serverPid = Number((await tmux('display-message', '-p', '-t', SESSION, '#{pid}')).stdout.trim());
  const kill = (): void => {
    try {
      process.kill(serverPid, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const unregister = registerExitCleanup(kill);
  return {
    serverPid,
    type: async (text, enter = true) => {
      await tmux('send-keys', '-t', SESSION, '-l', text);
      if (enter) await tmux('send-keys', '-t', SESSION, 'Enter');
    },
    capture: async () => (await tmux('capture-pane', '-p', '-t', SESSION)).stdout,
    resize: async (cols, rows) => {
      await tmux('resize-window', '-t', SESSION, '-x', String(cols), '-y', String(rows));
    },
    currentCommand: async () => (await tmux('display-message', '-p', '-t', SESSION, '#{pane_current_command}')).stdout.trim(),
    stop: async () => {
      await tmux('kill-server').catch(() => undefined);
      kill();
      unregister();
    },
  };
}
