import type { Command } from 'commander';
import { TokenSession } from '../auth/session-tokens.ts';
import { ServerApi } from '../server-client/api-client.ts';
import { connectPostgres } from '../connect/connect-postgres.ts';
import { createLogger } from '../log.ts';
import { defaultCliContext, resolveServerUrl, tokenStoreFor, type CliContext } from './server-context.ts';

export function registerConnectCommand(program: Command, ctx: CliContext = defaultCliContext()): void {
  program
    .command('connect')
    .description("open a local listener for a connection, enforced by the server's policy with a leased credential")
    .argument('<connection>', 'connection name on the Gatehouse server')
    .option('--port <n>', 'local port (default: a free one)', '0')
    .option('--server <url>', 'Gatehouse server (default: GATEHOUSE_SERVER or the last login)')
    .option('--audit-spool <dir>', 'local audit spool directory')
    .option('--grace <seconds>', 'how long running sessions keep their cached policy while the server is unreachable', '60')
    .option('--json', 'print only the JSON ready line')
    .action(async (connection: string, flags: { port: string; server?: string; auditSpool?: string; grace: string; json?: boolean }) => {
      const log = createLogger({ name: 'gatehouse-connect' });
      const serverUrl = await resolveServerUrl(ctx, flags.server);
      const tokens = await TokenSession.fromEnvironment(serverUrl, { env: ctx.env, store: tokenStoreFor(ctx) });
      const api = new ServerApi(serverUrl, tokens);
      // Fail closed: without the server there is no lease, no policy, and so no listener.
      const running = await connectPostgres({
        serverUrl,
        api,
        tokens,
        connection,
        port: Number(flags.port),
        ...(flags.auditSpool === undefined ? {} : { spoolDir: flags.auditSpool }),
        graceMs: Number(flags.grace) * 1000,
        log,
      });
      ctx.out.write(`${JSON.stringify({ listening: running.listening, url: running.url, connection, policyVersion: running.lease.policy.version })}\n`);
      if (flags.json !== true) {
        ctx.err.write(`connected to ${connection} (policy v${running.lease.policy.version}); use:\n  psql '${running.url}'\n`);
      }
      const stop = (): void => {
        void running.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
