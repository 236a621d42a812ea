import { join } from 'node:path';
import { connectPostgres, type RunningConnection } from '../connect/connect-postgres.ts';
import type { Logger } from '../log.ts';
import { BridgeFailure } from './bridge-dispatcher.ts';
import { ListenerPool } from './listener-pool.ts';

export interface LocalListenersOptions {
  /** Audit spools go under here, one folder per connection. */
  spoolRoot: string;
  log: Logger;
  /** How long running sessions keep their cached policy while the server is unreachable. */
  graceMs?: number;
}

const DEFAULT_GRACE_MS = 60_000;

/**
 * The app's local PostgreSQL listeners, one per connection (the query pane's own sessions go
 * through them too). Each is a full `gatehouse connect`: leased credential, enforced policy,
 * audit spool.
 */
export class LocalListeners extends ListenerPool<RunningConnection> {
  constructor(o: LocalListenersOptions) {
    super({
      label: 'local listener',
      log: o.log,
      start: async (session, connection) => {
        const summary = await session.api.getConnection(connection);
        if (summary.kind !== 'postgres') {
          throw new BridgeFailure('invalid', `${connection} is an SSH connection: it has no PostgreSQL listener or schema; open a terminal or its SSH local port instead`);
        }
        return connectPostgres({
          serverUrl: session.serverUrl,
          api: session.api,
          tokens: session.tokens,
          connection,
          port: 0,
          spoolDir: join(o.spoolRoot, connection),
          graceMs: o.graceMs ?? DEFAULT_GRACE_MS,
          log: o.log.child({ connection }),
        });
      },
    });
  }
}
