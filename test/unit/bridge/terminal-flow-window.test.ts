import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlowWindow } from '../../../broker/bridge/terminal-flow-window.ts';
import { TERMINAL_FLOW_WINDOW_BYTES } from '../../../shared/bridge/terminal-bridge.ts';

describe('FlowWindow', () => {
  it('defaults to the contract window and pauses only once the backlog exceeds it', () => {
    const window = new FlowWindow();
    expect(window.limit).toBe(TERMINAL_FLOW_WINDOW_BYTES);
    expect(window.sent(TERMINAL_FLOW_WINDOW_BYTES)).toBe(false);
    expect(window.paused).toBe(false);
    expect(window.sent(1)).toBe(true);
    expect(window.paused).toBe(true);
    expect(window.backlog).toBe(TERMINAL_FLOW_WINDOW_BYTES + 1);
  });

  it('says pause once per pause, however much more arrives while paused', () => {
    const window = new FlowWindow(100);
    expect(window.sent(150)).toBe(true);
    expect(window.sent(10)).toBe(false);
    expect(window.sent(1000)).toBe(false);
    expect(window.backlog).toBe(1160);
  });

  it('resumes only when acknowledgements bring the backlog under half the window', () => {
    const window = new FlowWindow(100);
    window.sent(120);
    expect(window.acknowledged(60)).toBe(false); // 60 left: not under 50
    expect(window.acknowledged(10)).toBe(false); // 50 left: not under 50
    expect(window.paused).toBe(true);
    expect(window.acknowledged(1)).toBe(true); // 49 left
    expect(window.paused).toBe(false);
    expect(window.acknowledged(49)).toBe(false); // not paused: nothing to resume
    expect(window.backlog).toBe(0);
  });

  it('banks no credit for acknowledgements beyond what was sent, and ignores nonsense', () => {
    const window = new FlowWindow(100);
    window.acknowledged(1_000_000);
    expect(window.backlog).toBe(0);
    expect(window.sent(101)).toBe(true);
    expect(window.acknowledged(-500)).toBe(false);
    expect(window.acknowledged(Number.NaN)).toBe(false);
    expect(window.backlog).toBe(101);
  });

  it('refuses a window too small to have a half', () => {
    expect(() => new FlowWindow(1)).toThrow(RangeError);
    expect(() => new FlowWindow(2.5)).toThrow(RangeError);
  });

  it('never lets more than the window plus one chunk go out unacknowledged, whatever the order of sends and acks', () => {
    const step = fc.oneof(fc.record({ send: fc.integer({ min: 1, max: 5000 }) }), fc.record({ ack: fc.integer({ min: 0, max: 8000 }) }));
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 10_000 }), fc.array(step, { maxLength: 200 }), (limit, steps) => {
        const window = new FlowWindow(limit);
        // A sender that honours the window: it stops sending while paused.
        let sent = 0;
        let acked = 0;
        for (const s of steps) {
          if ('send' in s) {
            if (window.paused) continue;
            window.sent(s.send);
            sent += s.send;
            expect(window.backlog).toBeLessThanOrEqual(limit + s.send);
          } else {
            const ack = Math.min(s.ack, sent - acked);
            window.acknowledged(ack);
            acked += ack;
          }
          expect(window.backlog).toBe(sent - acked);
          expect(window.paused).toBe(window.paused && window.backlog >= limit / 2);
        }
      }),
    );
  });
});
