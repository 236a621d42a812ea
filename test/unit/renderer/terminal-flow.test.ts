import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesFromBase64 } from '../../../renderer/features/terminals/base64-bytes.ts';
import { ACK_BATCH_BYTES, OutputAckLedger } from '../../../renderer/features/terminals/output-ack-ledger.ts';
import { TerminalInputSender } from '../../../renderer/features/terminals/terminal-input-sender.ts';
import { TERMINAL_FLOW_WINDOW_BYTES } from '../../../shared/bridge/terminal-bridge.ts';

describe('bytesFromBase64', () => {
  it('returns the raw bytes, also a UTF-8 character cut in half', () => {
    const euro = new TextEncoder().encode('€'); // e2 82 ac
    const firstHalf = Buffer.from(euro.subarray(0, 2)).toString('base64');
    expect([...bytesFromBase64(firstHalf)]).toEqual([0xe2, 0x82]);
    expect([...bytesFromBase64(Buffer.from([0, 255, 10]).toString('base64'))]).toEqual([0, 255, 10]);
    expect(bytesFromBase64('').length).toBe(0);
  });
});

describe('OutputAckLedger', () => {
  it('acknowledges a lone chunk as soon as xterm has written it', () => {
    const ledger = new OutputAckLedger();
    ledger.written(100);
    expect(ledger.outstanding).toBe(100);
    expect(ledger.rendered(100)).toBe(100);
    expect(ledger.outstanding).toBe(0);
  });

  it('batches while more output is still being written, and flushes when xterm catches up', () => {
    const ledger = new OutputAckLedger(1000);
    for (let i = 0; i < 5; i++) ledger.written(300);
    expect(ledger.rendered(300)).toBe(0);
    expect(ledger.rendered(300)).toBe(0);
    expect(ledger.rendered(300)).toBe(0);
    expect(ledger.rendered(300)).toBe(1200);
    expect(ledger.rendered(300)).toBe(300);
    expect(ledger.outstanding).toBe(0);
  });

  it('never acknowledges more than was received, and nothing after the session ended', () => {
    const ledger = new OutputAckLedger();
    ledger.written(10);
    expect(ledger.rendered(50)).toBe(10);
    ledger.written(10);
    ledger.end();
    expect(ledger.rendered(10)).toBe(0);
    ledger.written(10);
    expect(ledger.outstanding).toBe(0);
  });

  it('keeps the batch well inside the broker window', () => {
    expect(ACK_BATCH_BYTES).toBeLessThan(TERMINAL_FLOW_WINDOW_BYTES);
  });

  it('acknowledges exactly what was rendered once xterm is idle, and never lets a full window stall', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 10 }), (chunks, lag) => {
        // A broker that sends only while less than the window is unacknowledged, and an xterm that renders `lag` chunks behind.
        const ledger = new OutputAckLedger();
        const queue: number[] = [];
        let unacked = 0;
        let acked = 0;
        let sent = 0;
        let next = 0;
        for (let steps = 0; steps < 10_000 && (next < chunks.length || queue.length > 0); steps++) {
          if (next < chunks.length && unacked < TERMINAL_FLOW_WINDOW_BYTES) {
            const n = chunks[next++]!;
            unacked += n;
            sent += n;
            ledger.written(n);
            queue.push(n);
            if (queue.length <= lag) continue;
          }
          const done = queue.shift();
          if (done === undefined) return false; // stalled: the broker waits and nothing is being written
          const ack = ledger.rendered(done);
          unacked -= ack;
          acked += ack;
          expect(unacked).toBeGreaterThanOrEqual(0);
        }
        return acked === sent && unacked === 0 && ledger.outstanding === 0;
      }),
    );
  });
});

describe('TerminalInputSender', () => {
  it('sends keystrokes in order, gathering what is typed while a call is on its way', async () => {
    const sent: string[] = [];
    const releases: Array<() => void> = [];
    const sender = new TerminalInputSender(
      (data) =>
        new Promise<void>((resolve) => {
          sent.push(data);
          releases.push(resolve);
        }),
    );
    sender.push('l');
    sender.push('s');
    sender.push(' -l');
    expect(sent).toEqual(['l']);
    releases.shift()!();
    await new Promise((r) => setTimeout(r, 0));
    expect(sent).toEqual(['l', 's -l']);
    sender.push('\r');
    releases.shift()!();
    await new Promise((r) => setTimeout(r, 0));
    expect(sent).toEqual(['l', 's -l', '\r']);
  });

  it('reports a failed call and keeps going; after close nothing is sent', async () => {
    const sent: string[] = [];
    const errors: unknown[] = [];
    const sender = new TerminalInputSender(
      async (data) => {
        sent.push(data);
        if (data === 'bad') throw new Error('nope');
      },
      (e) => errors.push(e),
    );
    sender.push('bad');
    await new Promise((r) => setTimeout(r, 0));
    sender.push('good');
    await new Promise((r) => setTimeout(r, 0));
    expect(sent).toEqual(['bad', 'good']);
    expect(errors).toHaveLength(1);
    sender.close();
    sender.push('late');
    await new Promise((r) => setTimeout(r, 0));
    expect(sent).toEqual(['bad', 'good']);
  });
});
