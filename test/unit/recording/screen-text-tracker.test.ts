import { describe, expect, it } from 'vitest';
import { createReplayTerminal, writeNow } from '../../../server/recordings/replay-terminal.ts';
import { ScreenTextTracker } from '../../../server/recordings/screen-text-tracker.ts';
import type { ScreenLine } from '../../../server/recordings/screen-text-tracker.ts';

/** Writes each piece as one event at t = its index (ms), collecting what the tracker reports. */
function track(cols: number, rows: number, pieces: readonly string[]): ScreenLine[] {
  const replay = createReplayTerminal(cols, rows);
  const tracker = new ScreenTextTracker(replay.term);
  const out: ScreenLine[] = [];
  pieces.forEach((piece, t) => {
    writeNow(replay.term, piece);
    tracker.afterEvent(t, out);
  });
  replay.term.dispose();
  return out;
}

describe('ScreenTextTracker', () => {
  it('reports a typed command at the keystroke that completed it', () => {
    const out = track(40, 5, ['$ ', ...'echo kumquat'.split(''), '\r\n', 'kumquat\r\n']);
    const first = out.find((line) => line.text.includes('echo kumquat'));
    expect(first).toEqual({ t: 12, text: '$ echo kumquat' });
    expect(out.find((line) => line.text === 'kumquat')).toEqual({ t: 14, text: 'kumquat' });
  });

  it('does not report lines again when they scroll', () => {
    const lines = Array.from({ length: 12 }, (_, i) => `line ${i}\r\n`);
    const out = track(20, 4, lines);
    expect(out.map((line) => line.text)).toEqual(Array.from({ length: 12 }, (_, i) => `line ${i}`));
    expect(out.map((line) => line.t)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it('reports only the lines a full-screen redraw changed', () => {
    const frame = (load: string): string => `\x1b[H\x1b[1mtop - load ${load}\x1b[0m\x1b[K\r\nPID USER\x1b[K\r\n  1 root\x1b[K`;
    const out = track(30, 4, ['\x1b[?1049h', frame('0.10'), frame('0.10'), frame('0.25')]);
    expect(out).toEqual([
      { t: 1, text: 'top - load 0.10' },
      { t: 1, text: 'PID USER' },
      { t: 1, text: '  1 root' },
      { t: 3, text: 'top - load 0.25' },
    ]);
  });

  it('reads a wrapped line as one line, so words across the wrap are found', () => {
    const out = track(10, 4, ['0123456789abc', 'def']);
    expect(out.at(-1)).toEqual({ t: 1, text: '0123456789abcdef' });
  });

  it('reports what a resize or a switch of screens shows', () => {
    const replay = createReplayTerminal(20, 4);
    const tracker = new ScreenTextTracker(replay.term);
    const out: ScreenLine[] = [];
    writeNow(replay.term, 'hello\r\n');
    tracker.afterEvent(0, out);
    writeNow(replay.term, '\x1b[?1049h\x1b[Hin vim');
    tracker.afterEvent(1, out);
    writeNow(replay.term, '\x1b[?1049l');
    tracker.afterEvent(2, out);
    replay.term.resize(30, 6);
    tracker.afterEvent(3, out);
    expect(out).toEqual([
      { t: 0, text: 'hello' },
      { t: 1, text: 'in vim' },
      { t: 2, text: 'hello' },
    ]);
  });
});
