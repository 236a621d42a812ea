import type { AppSession } from './app-session.ts';
import type { BridgeHandlers } from './bridge-dispatcher.ts';

export type SessionHandlers = Pick<BridgeHandlers, 'session.state' | 'session.setServer' | 'session.signIn' | 'session.signOut'>;

/** session.*: which server, sign-in and sign-out. Tokens never leave AppSession. */
export function sessionHandlers(session: AppSession): SessionHandlers {
  return {
    'session.state': () => session.freshState(),
    'session.setServer': ({ url }) => session.setServer(url),
    'session.signIn': () => session.signIn(),
    'session.signOut': () => session.signOut(),
  };
}
