import xtermHeadless from '@xterm/headless';
import { recordingScreenSchema } from '../../shared/api/recordings.ts';
import type { RecordingScreen } from '../../shared/api/recordings.ts';
import { screenText } from '../../renderer/features/recordings/screen-text.ts';
import type { DemoApi } from './e2e-demo-access.ts';

/*
 * The server's screen of a recording at t, as text computed the way the player computes it:
 * the serialized snapshot written into a fresh terminal of the snapshot's size (with the
 * replay xterm's scrollback), then the renderer's own screenText. A test compares this with
 * the player's hidden screen text at the same t.
 */

// A CommonJS bundle whose exports Node cannot detect statically.
const { Terminal } = xtermHeadless;

/** The replay xterm's scrollback in the renderer (renderer/features/terminals/create-xterm.ts). */
const PLAYER_SCROLLBACK = 1000;

export async function serverScreen(api: DemoApi, recordingId: string, tMs: number): Promise<RecordingScreen> {
  const reply = await api.call('GET', `/v1/recordings/${encodeURIComponent(recordingId)}/screen?t=${tMs}&limit=0`);
  if (reply.status !== 200) throw new Error(`GET /v1/recordings/${recordingId}/screen?t=${tMs} answered ${reply.status}: ${JSON.stringify(reply.json)}`);
  return recordingScreenSchema.parse(reply.json);
}

/** The text of a serialized screen once written into a fresh terminal of its size. */
export async function textOfSerializedScreen(screen: Pick<RecordingScreen, 'screen' | 'width' | 'height'>): Promise<string> {
  const term = new Terminal({ cols: screen.width, rows: screen.height, scrollback: PLAYER_SCROLLBACK, allowProposedApi: true });
  try {
    await new Promise<void>((resolve) => term.write(screen.screen, resolve));
    return screenText(term.buffer.active, term.rows);
  } finally {
    term.dispose();
  }
}

export async function serverScreenText(api: DemoApi, recordingId: string, tMs: number): Promise<string> {
  return textOfSerializedScreen(await serverScreen(api, recordingId, tMs));
}
