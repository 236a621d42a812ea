import type { ConnectionSummary } from '../../shared/api/connections.ts';
import type { ConnectionView, LocalPort } from '../../shared/bridge/connections-bridge.ts';
import type { AppSession } from './app-session.ts';
import type { BridgeHandlers } from './bridge-dispatcher.ts';
import { translated } from './bridge-errors.ts';
import type { ConnectionPolicies } from './connection-policies.ts';
import { loadSchema } from './connection-schema.ts';
import type { LocalListeners } from './local-listeners.ts';
import { summarizePolicy } from './policy-summary.ts';
import type { SshListeners } from './ssh-listeners.ts';

export type ConnectionHandlers = Pick<BridgeHandlers, 'connections.list' | 'connections.openLocalPort' | 'connections.closeLocalPort' | 'connections.schema'>;

export interface ConnectionHandlerDeps {
  session: AppSession;
  listeners: LocalListeners;
  /** SSH connections' listeners, shared with the terminals; without it SSH local ports are refused. */
  ssh?: SshListeners;
  policies: ConnectionPolicies;
  /** The query pane's sessions of a connection end with its listener. */
  onClosed: (connection: string) => Promise<void>;
}

/** connections.*: the list with each policy in plain words, local ports, and names for completion. */
export function connectionHandlers(d: ConnectionHandlerDeps): ConnectionHandlers {
  return {
    'connections.list': ({ q }) =>
      translated(async () => {
        const active = d.session.active();
        const summaries = await active.api.listConnections(q === undefined ? {} : { q });
        const connections = await Promise.all(
          summaries.map(async (summary): Promise<ConnectionView> => {
            const policySummary = await d.policies.get(active.api, summary.name, summary.policyVersion).then(
              (policy) => summarizePolicy(policy, summary.kind),
              (err: unknown) => [`the policy cannot be shown: ${(err as Error).message}`],
            );
            return {
              name: summary.name,
              kind: summary.kind,
              description: summary.description,
              target: targetOf(summary),
              policyVersion: summary.policyVersion,
              policySummary,
              open: d.listeners.isOpen(summary.name) || (d.ssh?.isOpen(summary.name) ?? false),
            };
          }),
        );
        return { connections };
      }),
    'connections.openLocalPort': ({ connection }) =>
      translated(async () => {
        const active = d.session.active();
        if (d.ssh !== undefined && !d.listeners.isOpen(connection) && (d.ssh.isOpen(connection) || (await active.api.getConnection(connection)).kind === 'ssh')) {
          const ssh = await d.ssh.open(active, connection);
          return { connection, kind: 'ssh', listening: ssh.listening, url: ssh.sshCommand, command: ssh.sshCommand } satisfies LocalPort;
        }
        const running = await d.listeners.open(active, connection);
        d.policies.remember(connection, running.lease.policy.version, running.lease.policy.yaml);
        const port: LocalPort = { connection, kind: 'postgres', listening: running.listening, url: running.url, command: `psql ${shellQuote(running.url)}` };
        return port;
      }),
    'connections.closeLocalPort': ({ connection }) =>
      translated(async () => {
        await d.onClosed(connection);
        await Promise.all([d.listeners.close(connection), d.ssh?.close(connection)]);
        return { ok: true as const };
      }),
    'connections.schema': ({ connection }) =>
      translated(async () => {
        const running = await d.listeners.open(d.session.active(), connection);
        return { tables: await loadSchema(running.url) };
      }),
  };
}

function targetOf(summary: ConnectionSummary): string {
  const t = summary.target;
  return 'database' in t ? `${t.host}:${t.port}/${t.database}` : `${t.user}@${t.host}:${t.port}`;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
