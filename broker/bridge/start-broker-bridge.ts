import { dirname, join } from 'node:path';
import { keepWasmOnBaselineCompiler } from '../runtime/wasm-baseline-compiler.ts';
import { keepOldGenerationHeadroom } from '../runtime/old-generation-headroom.ts';
import { FileTokenStore, defaultTokenStorePath, type TokenStore } from '../auth/token-store.ts';
import type { Logger } from '../log.ts';
import { AppSession } from './app-session.ts';
import { AppSettingsFile, defaultAppSettingsPath } from './app-settings.ts';
import { adminHandlers } from './admin-handlers.ts';
import { approvalHandlers } from './approval-handlers.ts';
import { ApprovalInbox } from './approval-inbox.ts';
import { auditHandlers } from './audit-handlers.ts';
import { BridgeDispatcher } from './bridge-dispatcher.ts';
import { connectionHandlers } from './connection-handlers.ts';
import { ConnectionPolicies } from './connection-policies.ts';
import { LocalListeners } from './local-listeners.ts';
import { SshListeners } from './ssh-listeners.ts';
import { queryHandlers } from './query-handlers.ts';
import { QueryRunner } from './query-runner.ts';
import { recordingHandlers } from './recording-handlers.ts';
import { sessionHandlers } from './session-handlers.ts';
import { terminalHandlers } from './terminal-handlers.ts';

export interface StartBrokerBridgeOptions {
  host: 'electron' | 'browser';
  /** Where sign-ins are kept; default the 0600 token file of `gatehouse login` ($GATEHOUSE_HOME/tokens.json). */
  tokenStore?: TokenStore;
  /** The app's settings JSON (server URL); default app-settings.json next to the token file. Audit spools go beside it. */
  settingsFile?: string;
  /** Opens a URL in the system browser (Electron); without it the renderer opens the sign-in page. */
  openExternal?: (url: string) => Promise<void>;
  log: Logger;
  env?: NodeJS.ProcessEnv;
}

export interface RunningBrokerBridge {
  dispatcher: BridgeDispatcher;
  close(): Promise<void>;
}

/**
 * The broker behind the app, for either transport: sign-in, connections with their local
 * listeners, the query pane, the approval inbox with its notifications, and the audit and
 * recording views, all reached through one BridgeDispatcher. Everything that belongs to a
 * signed-in session (listeners, query sessions, the event subscription) ends with it.
 */
export async function startBrokerBridge(o: StartBrokerBridgeOptions): Promise<RunningBrokerBridge> {
  // The app's process hosts the proxies for its whole life: the same memory budget as the CLI's.
  keepWasmOnBaselineCompiler();
  keepOldGenerationHeadroom();
  const env = o.env ?? process.env;
  const log = o.log;
  const settingsPath = o.settingsFile ?? defaultAppSettingsPath(env);
  const store = o.tokenStore ?? new FileTokenStore(defaultTokenStorePath(env));
  const session = new AppSession({
    host: o.host,
    store,
    settings: new AppSettingsFile(settingsPath),
    ...(o.openExternal === undefined ? {} : { openExternal: o.openExternal }),
    log,
    env,
  });
  const policies = new ConnectionPolicies();
  const listeners = new LocalListeners({ spoolRoot: join(dirname(settingsPath), 'spool'), log });
  const sshListeners = new SshListeners({ root: dirname(settingsPath), log });
  // Handlers emit through the dispatcher, which is built from them: the closures below only run
  // once it exists.
  const runner = new QueryRunner({
    emit: (event) => dispatcher.emit('query.event', event),
    listenerUrl: async (connection) => (await listeners.open(session.active(), connection)).url,
    approval: (id) => session.active().api.getApproval(id),
    log,
  });
  const inbox = new ApprovalInbox({ emit: (event, data) => dispatcher.emit(event, data), log });

  const dispatcher = new BridgeDispatcher({
    ...sessionHandlers(session),
    ...connectionHandlers({ session, listeners, policies, ssh: sshListeners, onClosed: (connection) => runner.closeConnection(connection) }),
    ...queryHandlers({ session, runner, policies }),
    ...approvalHandlers({ session, inbox }),
    ...auditHandlers({ session }),
    ...recordingHandlers({ session }),
    ...terminalHandlers({ session, listeners: sshListeners, emit: (event) => dispatcher.emit('terminal.event', event), onAck: (listener) => dispatcher.onAck(listener), log }),
    ...adminHandlers({ session }),
  });

  // Sign-in, sign-out and a change of server each end what the previous session had open.
  let generation = -1;
  let transition: Promise<void> = Promise.resolve();
  const follow = (): void => {
    if (session.currentGeneration === generation) return;
    generation = session.currentGeneration;
    const seen = generation;
    transition = transition.then(async () => {
      await Promise.all([runner.closeAll(), listeners.closeAll(), sshListeners.closeAll(), inbox.stop()]);
      policies.clear();
      if (seen !== session.currentGeneration || !session.state().signedIn) return;
      await inbox.start(session.active()).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'cannot follow approvals yet'));
    });
  };
  session.onChange((state) => {
    dispatcher.emit('session.changed', state);
    follow();
  });
  await session.start();
  follow();
  await transition;

  return {
    dispatcher,
    close: async () => {
      session.close();
      await transition;
      await Promise.all([runner.closeAll(), listeners.closeAll(), sshListeners.closeAll(), inbox.stop()]);
    },
  };
}
