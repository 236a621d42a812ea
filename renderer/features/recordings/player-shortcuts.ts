import { LONG_SEEK_STEP_MS, SEEK_STEP_MS } from './timeline-math.ts';

export type PlayerCommand =
  | { kind: 'toggle-play' }
  | { kind: 'seek-by'; ms: number }
  | { kind: 'seek-to-start' }
  | { kind: 'seek-to-end' }
  | { kind: 'faster' }
  | { kind: 'slower' }
  | { kind: 'next-marker' }
  | { kind: 'previous-marker' }
  | { kind: 'toggle-skip-idle' }
  | { kind: 'toggle-help' }
  | { kind: 'close-help' };

export interface KeyPress {
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
}

/** The player's keyboard shortcuts; null for keys it leaves alone (and for any with Ctrl, ⌘ or Alt). */
export function playerCommandForKey(press: KeyPress): PlayerCommand | null {
  if (press.ctrlKey || press.metaKey || press.altKey) return null;
  switch (press.key) {
    case ' ':
    case 'k':
      return { kind: 'toggle-play' };
    case 'ArrowRight':
      return { kind: 'seek-by', ms: press.shiftKey ? LONG_SEEK_STEP_MS : SEEK_STEP_MS };
    case 'ArrowLeft':
      return { kind: 'seek-by', ms: -(press.shiftKey ? LONG_SEEK_STEP_MS : SEEK_STEP_MS) };
    case 'Home':
      return { kind: 'seek-to-start' };
    case 'End':
      return { kind: 'seek-to-end' };
    case '+':
    case '=':
      return { kind: 'faster' };
    case '-':
    case '_':
      return { kind: 'slower' };
    case ']':
    case 'n':
      return { kind: 'next-marker' };
    case '[':
    case 'p':
      return { kind: 'previous-marker' };
    case 'i':
      return { kind: 'toggle-skip-idle' };
    case '?':
      return { kind: 'toggle-help' };
    case 'Escape':
      return { kind: 'close-help' };
    default:
      return null;
  }
}

/** What the help overlay lists. */
export const PLAYER_SHORTCUTS: ReadonlyArray<{ keys: string; action: string }> = [
  { keys: 'Space or K', action: 'Play or pause' },
  { keys: '← / →', action: `Back or forward ${SEEK_STEP_MS / 1000} s` },
  { keys: 'Shift + ← / →', action: `Back or forward ${LONG_SEEK_STEP_MS / 1000} s` },
  { keys: 'Home / End', action: 'Start or end' },
  { keys: '+ / −', action: 'Faster or slower' },
  { keys: '[ / ]', action: 'Previous or next marker' },
  { keys: 'I', action: 'Skip idle gaps on or off' },
  { keys: '?', action: 'Show or hide this help' },
];
