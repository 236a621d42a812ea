import type { Command } from 'commander';
import type { ConnectionSummary } from '../../shared/api/connections.ts';
import { TokenSession } from '../auth/session-tokens.ts';
import { ServerApi } from '../server-client/api-client.ts';
import { connectPostgres } from '../connect/connect-postgres.ts';
import { connectSsh } from '../connect/connect-ssh.ts';
import { createLogger } from '../log.ts';
import { defaultCliContext, resolveServerUrl, tokenStoreFor, type CliContext } from './server-context.ts';

interface ConnectFlags {
  port: string;
  server?: string;
  auditSpool?: string;
  recordingSpool?: string;
  recordingUploadInterval: string;
  stateDir?: string;
  grace: string;
  json?: boolean;
}

/** What kind of connection `name` is, as the server tells the caller (404 when they may not see it). */
export async function connectionKind(api: ServerApi, name: string): Promise<ConnectionSummary['kind']> {
  return (await api.getConnection(name)).kind;
}

function positiveNumber(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${flag} must be a positive number (got "${text}")`);
  return value;
}

export function registerConnectCommand(program: Command, ctx: CliContext = defaultCliContext()): void {
  program
    .command('connect')
    .description("open a local listener for a connection (PostgreSQL or SSH), enforced by the server's policy with a leased credential")
    .argument('<connection>', 'connection name on the Gatehouse server')
    .option('--port <n>', 'local port (default: a free one)', '0')
    .option('--server <url>', 'Gatehouse server (default: GATEHOUSE_SERVER or the last login)')
    .option('--audit-spool <dir>', 'local audit spool directory')
    .option('--recording-spool <dir>', 'SSH: where recordings wait for upload (default: $XDG_DATA_HOME/gatehouse/recordings/<connection>)')
    .option('--recording-upload-interval <ms>', 'SSH: how often recordings in progress are uploaded', '1000')
    .option('--state-dir <dir>', 'SSH: where the listener keys and known_hosts live (default: $XDG_STATE_HOME/gatehouse/ssh)')
    .option('--grace <seconds>', 'PostgreSQL: how long running sessions keep their cached policy while the server is unreachable', '60')
    .option('--json', 'print only the JSON ready line')
    .action(async (connection: string, flags: ConnectFlags) => {
      const log = createLogger({ name: 'gatehouse-connect' });
      const serverUrl = await resolveServerUrl(ctx, flags.server);
      const tokens = await TokenSession.fromEnvironment(serverUrl, { env: ctx.env, store: tokenStoreFor(ctx) });
      const api = new ServerApi(serverUrl, tokens);
      const port = Number(flags.port);
      const auditSpool = flags.auditSpool === undefined ? {} : { spoolDir: flags.auditSpool };
      // Fail closed: without the server there is no lease, no policy, and so no listener.
      const kind = await connectionKind(api, connection);
      let close: () => Promise<void>;
      switch (kind) {
        case 'postgres': {
          const running = await connectPostgres({ serverUrl, api, tokens, connection, port, ...auditSpool, graceMs: Number(flags.grace) * 1000, log });
          ctx.out.write(`${JSON.stringify({ listening: running.listening, url: running.url, connection, policyVersion: running.lease.policy.version })}\n`);
          if (flags.json !== true) ctx.err.write(`connected to ${connection} (policy v${running.lease.policy.version}); use:\n  psql '${running.url}'\n`);
          close = running.close;
          break;
        }
        case 'ssh': {
          const running = await connectSsh({
            serverUrl,
            api,
            tokens,
            connection,
            port,
            ...auditSpool,
            ...(flags.recordingSpool === undefined ? {} : { recordingSpoolDir: flags.recordingSpool }),
            ...(flags.stateDir === undefined ? {} : { stateDir: flags.stateDir }),
            recordingUploadIntervalMs: positiveNumber(flags.recordingUploadInterval, '--recording-upload-interval'),
            log,
          });
          const ready = {
            listening: running.listening,
            ssh: running.sshCommand,
            alias: running.alias,
            identityFile: running.identityFile,
            knownHostsFile: running.knownHostsFile,
            connection,
            policyVersion: running.lease.policy.version,
          };
          ctx.out.write(`${JSON.stringify(ready)}\n`);
          if (flags.json !== true) {
            ctx.err.write(`connected to ${connection} (policy v${ready.policyVersion}); use:\n  ${running.sshCommand}\nor add \`gatehouse ssh-config\` to ~/.ssh/config and run: ssh ${running.alias}\n`);
          }
          close = running.close;
          break;
        }
        default:
          return kind satisfies never;
      }
      const stop = (): void => {
        void close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
