import xtermHeadless from '@xterm/headless';
import type { Terminal } from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import type { SerializeAddon } from '@xterm/addon-serialize';
import { parseResize } from '../../shared/api/recordings.ts';
import type { CastEvent } from '../../shared/api/recordings.ts';

/*
 * The packages are CommonJS bundles whose exports Node cannot detect statically, so they are
 * imported whole and taken apart here.
 */
const { Terminal: HeadlessTerminal } = xtermHeadless;
const { SerializeAddon: Serializer } = serializeAddon;

/**
 * "The screen" is what is visible: no scrollback is kept, so a snapshot is one screenful (plus
 * the alternate screen when it is active) and a replay from a snapshot ends with exactly the
 * buffer a replay from the start would have.
 */
export const REPLAY_SCROLLBACK = 0;


/** A headless terminal that a recording is replayed into, with its serializer. */
export interface ReplayTerminal {
  readonly term: Terminal;
  readonly serializer: SerializeAddon;
}

export function createReplayTerminal(cols: number, rows: number): ReplayTerminal {
  const term = new HeadlessTerminal({ cols, rows, scrollback: REPLAY_SCROLLBACK, allowProposedApi: true });
  const serializer = new Serializer();
  term.loadAddon(serializer);
  return { term, serializer };
}

/** The screen as @xterm/addon-serialize writes it: feed it to a fresh terminal of the same size. */
export function serializeScreen(replay: ReplayTerminal): string {
  return replay.serializer.serialize();
}

interface WriteBuffer {
  writeSync(data: string): void;
}

/**
 * Parses `data` now. Synchronous on purpose: xterm's own write() parses on a timer, where an
 * exception (a parser bug met by odd output) would be uncaught and take the server down; here
 * it reaches the caller, who abandons that terminal. A terminal whose write threw must not be
 * used again.
 */
export function writeNow(term: Terminal, data: string): void {
  (term as unknown as { _core: { _writeBuffer: WriteBuffer } })._core._writeBuffer.writeSync(data);
}

/**
 * Applies recorded events in order: `o` is written, `r` resizes, `i` and `m` do not touch the
 * screen. `onApplied(i)` runs right after event i took effect, while the terminal shows
 * exactly events 0..i.
 */
export function applyEvents(replay: ReplayTerminal, events: readonly CastEvent[], onApplied?: (index: number) => void): void {
  const { term } = replay;
  for (let i = 0; i < events.length; i++) {
    const [, code, data] = events[i]!;
    switch (code) {
      case 'o':
        writeNow(term, data);
        break;
      case 'r': {
        const size = parseResize(data);
        if (size !== null && (size.cols !== term.cols || size.rows !== term.rows)) term.resize(size.cols, size.rows);
        break;
      }
      case 'i':
      case 'm':
        break;
      default:
        return code satisfies never;
    }
    onApplied?.(i);
  }
}
