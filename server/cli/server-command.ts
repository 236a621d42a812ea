import type { Command } from 'commander';
import { CONFIG_FIELDS } from '../config/config-fields.ts';

interface ServerFlags extends Record<string, unknown> {
  config?: string;
}

const GRACEFUL_STOP_MS = 10_000;

/**
 * `gatehouse server`: every setting has a flag, a GATEHOUSE_* variable and a config-file key
 * (flags win over variables, which win over the file). Registering is cheap: the server's
 * modules load only when the command runs, so broker commands start as fast as before.
 */
export function registerServerCommand(program: Command): void {
  const command = program
    .command('server')
    .description('run the Gatehouse policy server in the foreground; prints one JSON line {"server": URL} when ready, logs on stderr')
    .option('--config <file>', 'YAML config file (keys as in the config document, e.g. idp: { issuer: ... })');
  for (const field of CONFIG_FIELDS) {
    if (field.flag === '') continue;
    command.option(field.valueName === undefined ? `--${field.flag}` : `--${field.flag} <${field.valueName}>`, `${field.description} [${field.env}]`);
  }
  command.addHelpText(
    'after',
    `\nEnvironment only (never a flag, argv is visible to other users):\n${CONFIG_FIELDS.filter((f) => f.flag === '')
      .map((f) => `  ${f.env}  ${f.description}`)
      .join('\n')}\n`,
  );
  command.action(async (flags: ServerFlags) => {
    // argv may carry a database URL with a password: keep it out of `ps`.
    process.title = 'gatehouse server';
    const { loadServerConfig } = await import('../config/load-config.ts');
    const { createServerLogger } = await import('../http/logger.ts');
    const { startServer } = await import('../start-server.ts');

    const { config, warnings } = await loadServerConfig({ ...(flags.config === undefined ? {} : { configFile: flags.config }), env: process.env, flags });
    const log = createServerLogger({ level: config.logLevel });
    for (const warning of warnings) log.warn(warning);

    // Handlers go in before anything is started: a signal that arrived with no handler
    // installed would kill the process outright, mid-migration or just after the ready line.
    let running: Awaited<ReturnType<typeof startServer>> | null = null;
    let stopping = false;
    const shutDown = (): void => {
      const force = setTimeout(() => {
        log.error('shutdown took too long; exiting');
        process.exit(1);
      }, GRACEFUL_STOP_MS);
      force.unref();
      void (running?.close() ?? Promise.resolve()).then(
        () => process.exit(0),
        (e: unknown) => {
          log.error({ err: e }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting without waiting');
        process.exit(1);
      }
      stopping = true;
      log.info({ signal }, 'shutting down');
      // While starting, the server is closed as soon as start-up finishes.
      if (running !== null) shutDown();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    running = await startServer(config, { log });
    if (stopping) {
      shutDown();
      return;
    }
    const ready: Record<string, unknown> = { server: running.url };
    if (running.devIdp !== null) ready['devIdp'] = running.devIdp;
    process.stdout.write(`${JSON.stringify(ready)}\n`);
  });
}
