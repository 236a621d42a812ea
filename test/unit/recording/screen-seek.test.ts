import { describe, expect, it } from 'vitest';
import type { CastEvent } from '../../../shared/api/recordings.ts';
import { eventMs } from '../../../server/recordings/recording-positions.ts';
import type { StoredSnapshot } from '../../../server/recordings/recording-store.ts';
import { applyEvents, createReplayTerminal, serializeScreen, writeNow } from '../../../server/recordings/replay-terminal.ts';
import { SnapshotFeeder } from '../../../server/recordings/snapshot-feeder.ts';
import { restoreSnapshot, snapshotOf, terminalStateSchema } from '../../../server/recordings/terminal-state.ts';
import type { TerminalSnapshot } from '../../../server/recordings/terminal-state.ts';
import { chunkEvents, generateSession } from './fixtures/terminal-session.ts';

/** The screen after every event at or before t, replayed from the very start. */
function screensFromZero(width: number, height: number, events: readonly CastEvent[], times: readonly number[]): Map<number, string> {
  const wanted = [...times].sort((a, b) => a - b);
  const screens = new Map<number, string>();
  const replay = createReplayTerminal(width, height);
  let next = 0;
  const take = (uptoMs: number): void => {
    while (next < wanted.length && wanted[next]! < uptoMs) screens.set(wanted[next++]!, serializeScreen(replay));
  };
  for (const event of events) {
    take(eventMs(event));
    applyEvents(replay, [event]);
  }
  take(Infinity);
  replay.term.dispose();
  return screens;
}

/** What the server does for /screen?t=: the latest snapshot at or before t, then the events after it up to t. */
function screenFromSnapshot(width: number, height: number, chunks: readonly CastEvent[][], snapshots: readonly StoredSnapshot[], tMs: number): string {
  const snapshot = snapshots.filter((s) => s.tMs <= tMs).at(-1);
  const replay = snapshot === undefined ? createReplayTerminal(width, height) : restoreSnapshot(snapshot);
  const from = snapshot?.position ?? { seq: 0, index: 0 };
  for (let seq = from.seq; seq < chunks.length; seq++) {
    const events = chunks[seq]!.slice(seq === from.seq ? from.index : 0);
    const upto = events.findIndex((event) => eventMs(event) > tMs);
    applyEvents(replay, upto === -1 ? events : events.slice(0, upto));
    if (upto !== -1) break;
  }
  const screen = serializeScreen(replay);
  replay.term.dispose();
  return screen;
}

describe('seeking through snapshots', () => {
  it('gives at every t the screen a replay from zero gives (realistic session with resizes and a full-screen program)', () => {
    const session = generateSession({ seed: 11, durationS: 240, targetBytes: 1_500_000, width: 100, height: 30 });
    expect(session.events.some(([, code]) => code === 'r')).toBe(true);
    expect(session.events.some(([, , data]) => data.includes('\x1b[?1049h'))).toBe(true);
    const chunks = chunkEvents(session.events, 32 * 1024);
    const feeder = SnapshotFeeder.fresh(session.header.width, session.header.height, { everyMs: 2000, everyChars: 64 * 1024 });
    const snapshots: StoredSnapshot[] = [];
    chunks.forEach((events, seq) => snapshots.push(...feeder.feed(seq, events).snapshots));
    feeder.dispose();
    expect(snapshots.length).toBeGreaterThan(40);
    // Every resize is followed by a snapshot taken at that very event.
    const resizeTimes = session.events.filter(([, code]) => code === 'r').map(eventMs);
    for (const t of resizeTimes) expect(snapshots.some((s) => s.tMs === t)).toBe(true);

    const end = eventMs(session.events.at(-1)!);
    const times = [0, end, end + 5000, ...resizeTimes, ...snapshots.slice(0, 10).map((s) => s.tMs)];
    for (let i = 0; i < 60; i++) times.push(Math.round(((i * 7919) % 1000) / 1000 * end));
    // Exactly at event times too: the event at t is included.
    for (let i = 0; i < 40; i++) times.push(eventMs(session.events[(i * 104_729) % session.events.length]!));
    const expected = screensFromZero(session.header.width, session.header.height, session.events, times);
    for (const t of times) {
      expect(screenFromSnapshot(session.header.width, session.header.height, chunks, snapshots, t), `t=${t}`).toBe(expected.get(t));
    }
  });

  it('restores hidden terminal state exactly: scroll regions, pending wraps, saved cursors, charsets, alternate screen', () => {
    const script = [
      '\x1b[2;10r', // scroll region
      '\x1b)0\x0e', // G1 = line drawing, shifted in
      'lqqk\x0f',
      '\x1b[5;3H\x1b7', // saved cursor
      '\x1b[1;31m', // pen
      'x'.repeat(40), // ends with a pending wrap at the right margin
      '\x1b[?1049h', // alternate screen, saving the normal screen's cursor
      '\x1b[3g\x1b[1;5H\x1bH', // one custom tab stop
      'top\r\n\tcol',
    ];
    const replay = createReplayTerminal(40, 12);
    for (const piece of script) writeNow(replay.term, piece);
    const snapshot = snapshotOf(replay);
    expect(snapshot).not.toBeNull();
    // The state survives a trip through JSON, as it does through the database.
    const stored: TerminalSnapshot = { ...snapshot!, state: terminalStateSchema.parse(JSON.parse(JSON.stringify(snapshot!.state))) };
    const restored = restoreSnapshot(stored);
    expect(serializeScreen(restored)).toBe(serializeScreen(replay));
    const after = ['\tX\r\n', '\x1b[?1049l', 'wrapped?', '\x1b8saved', '\x0eqq\x0f', '\r\n'.repeat(12), 'a\x1b[3b'];
    for (const piece of after) {
      writeNow(replay.term, piece);
      writeNow(restored.term, piece);
      expect(serializeScreen(restored), JSON.stringify(piece)).toBe(serializeScreen(replay));
    }
  });

  it('refuses a snapshot inside an escape sequence and takes it right after', () => {
    const replay = createReplayTerminal(20, 5);
    writeNow(replay.term, 'abc\x1b[3');
    expect(snapshotOf(replay)).toBeNull();
    writeNow(replay.term, '1mred');
    expect(snapshotOf(replay)).not.toBeNull();
  });

  it('stays exact under hostile output: random control sequences cut at random points', () => {
    let checks = 0;
    for (let seed = 1; seed <= 25; seed++) {
      const events = hostileEvents(seed, 200);
      const full = createReplayTerminal(40, 12);
      const screens: string[] = [];
      const snapshots: Array<{ index: number; snapshot: TerminalSnapshot }> = [];
      let failed = false;
      try {
        applyEvents(full, events, (i) => {
          screens[i] = serializeScreen(full);
          if (i % 5 !== 2) return;
          const snapshot = snapshotOf(full);
          if (snapshot !== null) snapshots.push({ index: i + 1, snapshot });
        });
      } catch {
        // xterm itself can throw on some of these; that run says nothing about snapshots.
        failed = true;
      }
      full.term.dispose();
      if (failed) continue;
      for (const { index, snapshot } of snapshots) {
        const restored = restoreSnapshot(snapshot);
        const upto = Math.min(events.length, index + 15);
        applyEvents(restored, events.slice(index, upto), (j) => {
          checks++;
          expect(serializeScreen(restored), `seed ${seed}, snapshot after event ${index - 1}, event ${index + j}`).toBe(screens[index + j]);
        });
        restored.term.dispose();
      }
    }
    expect(checks).toBeGreaterThan(5000);
  });
});

/** Output meant to break snapshots: every piece of state a full-screen program touches, cut anywhere. */
function hostileEvents(seed: number, count: number): CastEvent[] {
  let state = seed;
  const rand = (): number => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  const n = (max: number): number => 1 + Math.floor(rand() * max);
  let cols = 40;
  let rows = 12;
  const piece = (): string => {
    const pieces = [
      () => `\x1b[${n(rows)};${n(cols)}H`,
      () => `\x1b[${30 + n(7)};${40 + n(7)}m`,
      () => '\x1b[0m',
      () => `\x1b[${n(rows)};${n(rows)}r`,
      () => '\x1b[r',
      () => (rand() < 0.5 ? '\x1b[?1049h' : '\x1b[?1049l'),
      () => (rand() < 0.5 ? '\x1b(0lqqk\x1b(B' : rand() < 0.5 ? '\x1b)0\x0e' : '\x0f'),
      () => 'x'.repeat(n(cols * 2)),
      () => '\r\n',
      () => `\x1b[${n(3)}L`,
      () => `\x1b[${n(3)}M`,
      () => (rand() < 0.5 ? '\x1b7' : '\x1b8'),
      () => '\t',
      () => '日本語🎉é',
      () => '\x1b[K',
      () => '\x1b[2J',
      () => (rand() < 0.5 ? '\x1b[?25l' : '\x1b[?25h'),
      () => '\x1bD\x1bM',
      () => `${'y'.repeat(cols - 1)}Z`,
      () => (rand() < 0.5 ? '\x1bH' : '\x1b[3g'),
      () => (rand() < 0.5 ? '\x1b[?6h' : '\x1b[?6l'),
      () => (rand() < 0.5 ? '\x1b[4h' : '\x1b[4l'),
      () => (rand() < 0.5 ? '\x1b[?7l' : '\x1b[?7h'),
      () => 'a\x1b[3b',
      () => '\x1b[4:3m\x1b[58;5;2mU\x1b[24m',
      () => `line ${n(1000)}\r\n`,
    ];
    return pieces[Math.floor(rand() * pieces.length)]!();
  };
  const events: CastEvent[] = [];
  let t = 0;
  let carry = '';
  for (let i = 0; i < count; i++) {
    t += rand() * 0.5;
    if (rand() < 0.06) {
      cols = 20 + Math.floor(rand() * 60);
      rows = 5 + Math.floor(rand() * 20);
      events.push([t, 'r', `${cols}x${rows}`]);
      continue;
    }
    let text = carry;
    for (let j = n(6); j > 0; j--) text += piece();
    const cut = Math.floor(rand() * text.length);
    const splitsPair = cut > 0 && text.charCodeAt(cut - 1) >= 0xd800 && text.charCodeAt(cut - 1) < 0xdc00;
    if (rand() < 0.3 && cut > 0 && !splitsPair) {
      carry = text.slice(cut);
      text = text.slice(0, cut);
    } else {
      carry = '';
    }
    events.push([t, 'o', text]);
  }
  return events;
}
