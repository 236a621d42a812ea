import type { Command } from 'commander';
import { openSystemBrowser } from '../auth/oidc-login.ts';
import { startBrokerBridge } from '../bridge/start-broker-bridge.ts';
import { createLogger } from '../log.ts';
import { findRendererDir } from '../ui/renderer-dir.ts';
import { startUiServer } from '../ui/ui-server.ts';

/**
 * `gatehouse ui`: the desktop app without Electron. The broker runs here and serves the app to
 * a browser on this machine; stdout gets one JSON line with the address to open.
 */
export function registerUiCommand(program: Command): void {
  program
    .command('ui')
    .description('serve the Gatehouse app to a browser on this machine (127.0.0.1 only)')
    .option('--port <n>', 'local port (default: a free one)', '0')
    .option('--no-open', 'do not open a browser; only print the address')
    .action(async (flags: { port: string; open: boolean }) => {
      const log = createLogger({ name: 'gatehouse-ui' });
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, not ${flags.port}`);
      const broker = await startBrokerBridge({ host: 'browser', log });
      const ui = await startUiServer({ dispatcher: broker.dispatcher, rendererDir: findRendererDir(), port, log });
      process.stdout.write(`${JSON.stringify({ url: ui.url })}\n`);
      log.info({ port: ui.port }, 'gatehouse ui is ready');
      if (flags.open && !(await openSystemBrowser(ui.url))) log.info('no browser could be opened; open the printed address yourself');
      const stop = (): void => {
        void Promise.all([ui.close(), broker.close()]).finally(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
