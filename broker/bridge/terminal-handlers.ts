import type { TerminalEvent } from '../../shared/bridge/terminal-bridge.ts';
import type { Logger } from '../log.ts';
import type { AppSession } from './app-session.ts';
import type { BridgeHandlers } from './bridge-dispatcher.ts';
import { translated } from './bridge-errors.ts';
import type { SshListeners } from './ssh-listeners.ts';
import { TerminalRegistry } from './terminal-registry.ts';

export type TerminalHandlers = Pick<BridgeHandlers, 'terminal.open' | 'terminal.input' | 'terminal.resize' | 'terminal.close'>;

export interface TerminalHandlerDeps {
  session: AppSession;
  /** Shared with "open local port": one SSH listener per connection. */
  listeners: SshListeners;
  emit: (event: TerminalEvent) => void;
  /** The dispatcher's onAck: the renderer's acknowledgements pace each terminal. */
  onAck: (listener: (stream: string, bytes: number) => void) => void;
  log: Logger;
}

/** terminal.*: in-app SSH terminals through the connection's SSH listener, with paced output. */
export function terminalHandlers(d: TerminalHandlerDeps): TerminalHandlers {
  const terminals = new TerminalRegistry({ listeners: d.listeners, emit: d.emit, subscribeAcks: d.onAck, log: d.log });
  const ok = { ok: true as const };
  return {
    'terminal.open': (params) => translated(() => terminals.open(d.session.active(), params)),
    'terminal.input': ({ terminalId, data }) =>
      translated(async () => {
        terminals.get(terminalId).input(data);
        return ok;
      }),
    'terminal.resize': ({ terminalId, cols, rows }) =>
      translated(async () => {
        terminals.get(terminalId).resize(cols, rows);
        return ok;
      }),
    'terminal.close': ({ terminalId }) =>
      translated(async () => {
        terminals.get(terminalId).close();
        return ok;
      }),
  };
}
