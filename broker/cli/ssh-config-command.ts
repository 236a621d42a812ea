import type { Command } from 'commander';
import { defaultSshStateDir, runningListeners } from '../ssh/listener-state.ts';
import { sshConfigEntry } from '../ssh/ssh-client-config.ts';

/** ~/.ssh/config entries for every SSH listener running from `stateDir`. */
export function renderSshConfig(stateDir: string): string {
  const listeners = runningListeners(stateDir);
  if (listeners.length === 0) return '# no Gatehouse SSH listener is running (start one with `gatehouse proxy ssh`)\n';
  return listeners.map((listener) => sshConfigEntry(listener)).join('\n');
}

export function registerSshConfigCommand(program: Command): void {
  program
    .command('ssh-config')
    .description('print ~/.ssh/config entries (Host alias, port, key, pinned known_hosts) for the running SSH listeners')
    .option('--state-dir <dir>', 'where the listeners keep their files (default: $XDG_STATE_HOME/gatehouse/ssh)')
    .action((flags: { stateDir?: string }) => {
      process.stdout.write(renderSshConfig(flags.stateDir ?? defaultSshStateDir()));
    });
}
