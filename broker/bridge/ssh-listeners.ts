import { join } from 'node:path';
import { connectSsh, type RunningSshConnection } from '../connect/connect-ssh.ts';
import type { Logger } from '../log.ts';
import { BridgeFailure } from './bridge-dispatcher.ts';
import { ListenerPool } from './listener-pool.ts';

export interface SshListenersOptions {
  /** The app's data folder: audit spools, recordings waiting for upload and listener keys go under it. */
  root: string;
  log: Logger;
}

/**
 * The app's SSH listeners, one per connection, opened by a terminal or "open local port".
 * Each is a full `gatehouse connect`: leased key, pinned host key, enforced policy,
 * recordings, audit spool, kill switch.
 */
export class SshListeners extends ListenerPool<RunningSshConnection> {
  constructor(o: SshListenersOptions) {
    super({
      label: 'ssh listener',
      log: o.log,
      start: async (session, connection) => {
        const summary = await session.api.getConnection(connection);
        if (summary.kind !== 'ssh') throw new BridgeFailure('invalid', `${connection} is a PostgreSQL connection: open it in the query pane, not in a terminal`);
        const folder = connection.replace(/[^A-Za-z0-9_.-]/g, '_');
        return connectSsh({
          serverUrl: session.serverUrl,
          api: session.api,
          tokens: session.tokens,
          connection,
          port: 0,
          spoolDir: join(o.root, 'spool', folder),
          recordingSpoolDir: join(o.root, 'recordings', folder),
          stateDir: join(o.root, 'ssh'),
          log: o.log.child({ connection }),
        });
      },
    });
  }
}
