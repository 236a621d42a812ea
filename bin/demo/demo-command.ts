import type { Command } from 'commander';
import { DEMO_POSTGRES_TARGETS } from './demo-postgres-target.ts';
import type { RunningDemo } from './start-demo.ts';

interface DemoFlags {
  dataDir?: string;
  reset?: boolean;
  open: boolean;
  sshTarget: string;
  postgresTarget: string;
  json?: boolean;
}

const SSH_TARGETS = ['auto', 'sshd', 'builtin'] as const;
const STOP_TIMEOUT_MS = 30_000;

/**
 * `gatehouse demo`: the README's first command. Starts everything in the foreground, prints
 * who to sign in as, and stops every process it started on Ctrl-C. The demo's modules load only
 * when the command runs, so other commands start as fast as before.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the whole product on this machine with demo data: server + dev IdP, a demo PostgreSQL and SSH target, the demo connections, and the app')
    .option('--data-dir <dir>', 'where the demo keeps its state between runs (default $XDG_DATA_HOME/gatehouse/demo)')
    .option('--reset', 'delete the demo data first and start clean')
    .option('--no-open', 'open no app window or browser; print the address instead')
    .option('--ssh-target <kind>', 'the demo SSH target: auto (a real sshd when possible), sshd, or builtin (an ssh2 server with a small shell)', 'auto')
    .option('--postgres-target <kind>', 'the demo PostgreSQL target: auto (a real PostgreSQL cluster when installed, else embedded PGlite), cluster, or pglite', 'auto')
    .option('--json', 'print one JSON line with the addresses instead of the guide')
    .action(async (flags: DemoFlags) => {
      process.title = 'gatehouse demo';
      const sshTarget = SSH_TARGETS.find((kind) => kind === flags.sshTarget);
      if (sshTarget === undefined) throw new Error(`--ssh-target must be one of ${SSH_TARGETS.join(', ')}`);
      const postgresTarget = DEMO_POSTGRES_TARGETS.find((kind) => kind === flags.postgresTarget);
      if (postgresTarget === undefined) throw new Error(`--postgres-target must be one of ${DEMO_POSTGRES_TARGETS.join(', ')}`);
      const { startDemo } = await import('./start-demo.ts');

      let demo: RunningDemo | null = null;
      let interrupted = false;
      const shutDown = (): void => {
        const force = setTimeout(() => {
          process.stderr.write('gatehouse demo: stopping took too long; exiting\n');
          process.exit(1);
        }, STOP_TIMEOUT_MS);
        force.unref();
        void (demo?.stop() ?? Promise.resolve()).then(() => process.exit(0));
      };
      const onSignal = (): void => {
        // The second Ctrl-C does not wait; the exit hook still kills every child by PID.
        if (interrupted) process.exit(130);
        interrupted = true;
        process.stderr.write('\nStopping the demo…\n');
        if (demo !== null) shutDown();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      process.on('SIGHUP', onSignal);

      demo = await startDemo({
        ...(flags.dataDir === undefined ? {} : { dataDir: flags.dataDir }),
        reset: flags.reset === true,
        open: flags.open,
        ssh: sshTarget,
        postgres: postgresTarget,
        onProgress: (line) => process.stderr.write(`${line}\n`),
      });
      if (interrupted) {
        shutDown();
        return;
      }
      if (flags.json === true) {
        const { stop: _stop, summary: _summary, ...facts } = demo;
        process.stdout.write(`${JSON.stringify(facts)}\n`);
      } else {
        process.stdout.write(`${demo.summary}\n`);
      }
    });
}
