import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventWindow } from '../../../renderer/features/recordings/event-window.ts';
import { advancePlayhead, IDLE_LIMIT_MS } from '../../../renderer/features/recordings/playhead.ts';
import { markerFromCastEvent, markersFromAudit, markersFromHits, mergeMarkers } from '../../../renderer/features/recordings/player-markers.ts';
import { playerCommandForKey } from '../../../renderer/features/recordings/player-shortcuts.ts';
import { recordingsPath } from '../../../renderer/features/recordings/recordings-path.ts';
import { screenText } from '../../../renderer/features/recordings/screen-text.ts';
import { fasterSpeed, formatSpeed, PLAYBACK_SPEEDS, slowerSpeed } from '../../../renderer/features/recordings/speed-steps.ts';
import { adjacentMarker, clusterMarkers, formatOffset, formatPlayerTime, fractionOfMs, msAtFraction, type TimelineMarker } from '../../../renderer/features/recordings/timeline-math.ts';
import type { AuditRecord } from '../../../shared/api/audit.ts';
import type { CastEvent } from '../../../shared/api/recordings.ts';
import { bridgeMethods } from '../../../shared/bridge/bridge-methods.ts';

const out = (seconds: number, data = 'x'): CastEvent => [seconds, 'o', data];

describe('speed steps', () => {
  it('go from 0.25× to 16× and stop at both ends', () => {
    expect(PLAYBACK_SPEEDS[0]).toBe(0.25);
    expect(PLAYBACK_SPEEDS[PLAYBACK_SPEEDS.length - 1]).toBe(16);
    expect(fasterSpeed(1)).toBe(2);
    expect(fasterSpeed(16)).toBe(16);
    expect(slowerSpeed(1)).toBe(0.5);
    expect(slowerSpeed(0.25)).toBe(0.25);
    expect(fasterSpeed(3)).toBe(4);
    expect(slowerSpeed(3)).toBe(2);
    expect(formatSpeed(0.25)).toBe('0.25×');
  });
});

describe('timeline math', () => {
  it('maps clicks to times and back, clamped to the recording', () => {
    expect(msAtFraction(0.5, 60_000)).toBe(30_000);
    expect(msAtFraction(-1, 60_000)).toBe(0);
    expect(msAtFraction(2, 60_000)).toBe(60_000);
    expect(fractionOfMs(15_000, 60_000)).toBe(0.25);
    expect(fractionOfMs(90_000, 60_000)).toBe(1);
    expect(fractionOfMs(5, 0)).toBe(0);
  });

  it('formats the clock', () => {
    expect(formatPlayerTime(0)).toBe('0:00');
    expect(formatPlayerTime(5_999)).toBe('0:05');
    expect(formatPlayerTime(754_000)).toBe('12:34');
    expect(formatPlayerTime(3_723_000)).toBe('1:02:03');
    expect(formatPlayerTime(Number.NaN)).toBe('0:00');
    expect(formatOffset(64)).toBe('+0.0 s');
    expect(formatOffset(1_290)).toBe('+1.2 s');
    expect(formatOffset(754_000)).toBe('+12:34');
  });

  it('clusters markers that would overlap and keeps distant ones apart', () => {
    const markers: TimelineMarker[] = [
      { ms: 1000, kind: 'hit', label: 'a' },
      { ms: 1100, kind: 'command', label: 'b' },
      { ms: 50_000, kind: 'hit', label: 'c' },
    ];
    const clusters = clusterMarkers(markers, 100_000, 500);
    expect(clusters).toHaveLength(2);
    expect(clusters[0]!.markers.map((m) => m.label)).toEqual(['a', 'b']);
    expect(clusters[0]!.kinds).toEqual(['hit', 'command']);
    expect(clusters[1]!.fraction).toBe(0.5);
  });

  it('finds the next and previous marker, skipping the one under the play head', () => {
    const markers: TimelineMarker[] = [10_000, 20_000, 30_000].map((ms) => ({ ms, kind: 'hit', label: String(ms) }));
    expect(adjacentMarker(markers, 20_000, 1)?.ms).toBe(30_000);
    expect(adjacentMarker(markers, 20_000, -1)?.ms).toBe(10_000);
    expect(adjacentMarker(markers, 30_000, 1)).toBeNull();
  });
});

describe('advancePlayhead', () => {
  const base = { playheadMs: 1000, elapsedMs: 100, speed: 1, nextEventMs: 1500, durationMs: 600_000, skipIdle: true };

  it('moves by wall time times speed', () => {
    expect(advancePlayhead(base)).toBe(1100);
    expect(advancePlayhead({ ...base, speed: 4 })).toBe(1400);
    expect(advancePlayhead({ ...base, speed: 0.25 })).toBe(1025);
  });

  it('cuts an idle gap down to the limit when skipping, and plays it in full when not', () => {
    const gap = { ...base, nextEventMs: 300_000 };
    expect(advancePlayhead(gap)).toBe(300_000 - IDLE_LIMIT_MS + 100);
    expect(advancePlayhead({ ...gap, skipIdle: false })).toBe(1100);
  });

  it('never passes the end or goes back', () => {
    expect(advancePlayhead({ ...base, playheadMs: 599_990, nextEventMs: null })).toBe(600_000);
    expect(advancePlayhead({ ...base, elapsedMs: -50 })).toBe(1000);
  });

  it('with skipping, no wait between events lasts longer than the limit', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 120_000 }), { minLength: 1, maxLength: 20 }), (gaps) => {
        const times: number[] = [];
        let t = 0;
        for (const g of gaps) times.push((t += g));
        const duration = t;
        let head = 0;
        let index = 0;
        let wall = 0;
        let longestWait = 0;
        let waitStart = 0;
        while (head < duration && wall < 10_000_000) {
          head = advancePlayhead({ playheadMs: head, elapsedMs: 50, speed: 1, nextEventMs: times[index] ?? null, durationMs: duration, skipIdle: true });
          wall += 50;
          let applied = false;
          while (index < times.length && times[index]! <= head) {
            index++;
            applied = true;
          }
          if (applied) {
            longestWait = Math.max(longestWait, wall - waitStart);
            waitStart = wall;
          }
        }
        return longestWait <= IDLE_LIMIT_MS + 50;
      }),
    );
  });
});

describe('EventWindow', () => {
  it('plays events due by the play head and asks for the next page when running low', () => {
    const window = new EventWindow(3);
    window.reset([out(1), out(2), out(3), out(4)], 42);
    expect(window.claimNextPage()).toBeNull(); // 4 ahead, not low yet
    expect(window.takeUntil(2000)).toEqual([out(1), out(2)]);
    expect(window.nextEventMs()).toBe(3000);
    const page = window.claimNextPage();
    expect(page).toEqual({ after: 42, generation: 1, lastMs: 4000 });
    expect(window.claimNextPage()).toBeNull(); // already being fetched
    expect(window.append(page!.generation, [out(5), out(6)], null)).toBe(true);
    expect(window.takeUntil(10_000).map((e) => e[0])).toEqual([3, 4, 5, 6]);
    expect(window.finished).toBe(true);
  });

  it('throws away a page asked for before a seek', () => {
    const window = new EventWindow(10);
    window.reset([out(1)], 7);
    const page = window.claimNextPage()!;
    window.reset([out(50)], 99);
    expect(window.append(page.generation, [out(2)], 8)).toBe(false);
    expect(window.takeUntil(60_000)).toEqual([out(50)]);
    expect(window.starved).toBe(true);
    expect(window.claimNextPage()?.after).toBe(99);
  });

  it('lets a failed page be asked for again', () => {
    const window = new EventWindow(10);
    const generation = window.reset([], 5);
    expect(window.claimNextPage()).not.toBeNull();
    window.pageFailed(generation);
    expect(window.claimNextPage()?.after).toBe(5);
  });

  it('holds about a page however long the recording is played', () => {
    const window = new EventWindow(300);
    let t = 0;
    const page = () => Array.from({ length: 1000 }, () => out((t += 0.01)));
    window.reset(page(), 1);
    let most = 0;
    for (let head = 0; head < 2000 * 1000; head += 500) {
      window.takeUntil(head);
      const claim = window.claimNextPage();
      if (claim) window.append(claim.generation, page(), claim.after + 1);
      most = Math.max(most, window.held);
    }
    expect(most).toBeLessThanOrEqual(2000 + 300);
  });
});

describe('player markers', () => {
  const span = { brokerSessionId: 's1', startedAt: '2025-01-01T10:00:00.000Z', durationMs: 600_000 };
  const record = (over: Partial<AuditRecord> & { event: Record<string, unknown> }): AuditRecord => ({
    seq: 1,
    id: 'r',
    time: '2025-01-01T10:01:00.000Z',
    source: 'broker',
    kind: 'ssh_exec',
    actor: 'alice',
    actorMachine: false,
    connection: 'web-1',
    statementClass: null,
    decision: 'allow',
    text: null,
    prevHash: '',
    hash: '',
    ...over,
  });

  it('turns the session’s exec commands and policy decisions into markers at their time', () => {
    const markers = markersFromAudit(
      [
        record({ event: { sessionId: 's1', rule: null, ssh: { command: 'uptime' } } }),
        record({ time: '2025-01-01T10:02:00.000Z', decision: 'block', event: { sessionId: 's1', rule: 'no-rm', ssh: { command: 'rm -rf /' } } }),
        record({ event: { sessionId: 'other', ssh: { command: 'ls' } } }),
      ],
      span,
    );
    expect(markers).toEqual([
      { ms: 60_000, kind: 'command', label: '$ uptime' },
      { ms: 120_000, kind: 'command', label: '$ rm -rf /' },
      { ms: 120_000, kind: 'decision', label: 'block by no-rm: rm -rf /' },
    ]);
  });

  it('reads recorder markers and search hits, and merges without duplicates in time order', () => {
    expect(markerFromCastEvent([2.5, 'm', 'exec: ls -l'])).toEqual({ ms: 2500, kind: 'command', label: '$ ls -l' });
    expect(markerFromCastEvent([3, 'm', 'session killed by admin'])).toEqual({ ms: 3000, kind: 'marker', label: 'session killed by admin' });
    expect(markerFromCastEvent([3, 'o', 'hello'])).toBeNull();
    const hits = markersFromHits([{ t: 500, line: '  $ grep secret  ' }]);
    expect(hits).toEqual([{ ms: 500, kind: 'hit', label: '$ grep secret' }]);
    expect(mergeMarkers(hits, [{ ms: 100, kind: 'command', label: 'x' }], hits).map((m) => m.ms)).toEqual([100, 500]);
  });
});

describe('player shortcuts', () => {
  const key = (k: string, mods: Partial<{ shiftKey: boolean; ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {}) =>
    playerCommandForKey({ key: k, shiftKey: false, ctrlKey: false, metaKey: false, altKey: false, ...mods });

  it('maps the documented keys', () => {
    expect(key(' ')).toEqual({ kind: 'toggle-play' });
    expect(key('ArrowRight')).toEqual({ kind: 'seek-by', ms: 5000 });
    expect(key('ArrowLeft', { shiftKey: true })).toEqual({ kind: 'seek-by', ms: -30_000 });
    expect(key('+')).toEqual({ kind: 'faster' });
    expect(key('-')).toEqual({ kind: 'slower' });
    expect(key('?')).toEqual({ kind: 'toggle-help' });
    expect(key('x')).toBeNull();
    expect(key('ArrowRight', { ctrlKey: true })).toBeNull();
  });
});

describe('recordingsPath', () => {
  const pathSchema = bridgeMethods['recordings.get'].params;

  it('builds paths the bridge accepts, whatever the search text', () => {
    expect(recordingsPath(['abc', 'screen'], { t: 5000, limit: 0, after: undefined })).toBe('abc/screen?t=5000&limit=0');
    expect(recordingsPath(['search'], { q: "it's (a) ~test*!", user: '' })).toBe('search?q=it%27s%20%28a%29%20%7Etest%2A%21');
    fc.assert(
      fc.property(fc.string(), fc.string(), (q, from) => {
        const path = recordingsPath(['search'], { q, from });
        return pathSchema.safeParse({ path }).success && new URLSearchParams(path.slice(path.indexOf('?') + 1)).get('q') === (q === '' ? null : q);
      }),
    );
  });
});

describe('screenText', () => {
  it('reads the visible rows from the bottom of the scrollback and drops trailing blanks', () => {
    // A space a program wrote (the prompt's) is not an empty cell: it is trimmed too.
    const lines = ['old 1', 'old 2', '$ ls   ', 'a  b', '   ', ''];
    const buffer = { baseY: 2, getLine: (y: number) => (y < lines.length ? { translateToString: () => lines[y]! } : undefined) };
    expect(screenText(buffer, 4)).toBe('$ ls\na  b');
  });
});
