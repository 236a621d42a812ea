import type { AppSession } from './app-session.ts';
import type { BridgeHandlers } from './bridge-dispatcher.ts';
import { translated } from './bridge-errors.ts';

export type RecordingHandlers = Pick<BridgeHandlers, 'recordings.get'>;

/** recordings.get: a JSON answer of the server's recordings API, with the broker's token added. */
export function recordingHandlers(d: { session: AppSession }): RecordingHandlers {
  return {
    'recordings.get': ({ path }) => translated(() => d.session.active().api.getRecordingJson(path)),
  };
}
