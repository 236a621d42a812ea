import { describe, expect, it } from 'vitest';
import { ResponseTracker, type Expectation } from '../../../broker/pg/relay/response-tracker.ts';
import { MessageBuilder } from '../../../broker/pg/protocol/message-builder.ts';
import { BackendCode } from '../../../broker/pg/protocol/message-codes.ts';
import type { Frame } from '../../../broker/pg/protocol/frame-reader.ts';

function frameOf(raw: Buffer): Frame {
  return { type: raw[0]!, payload: raw.subarray(5), raw };
}

/** A RowDescription of one text column `email` of table 16384, attribute 2, in `format`. */
function emailRowDescription(format: number): Frame {
  const b = new MessageBuilder().int16(1).cstring('email').uint32(16384).int16(2).uint32(25).int16(-1).int32(-1).int16(format);
  return frameOf(b.build(BackendCode.RowDescription));
}

function describePortal(tracker: ResponseTracker, portal: string, statement: string): Expectation {
  const e: Expectation = { kind: 'describe-portal', swallow: true, portal, statement, statementGeneration: tracker.statementGeneration(statement) };
  tracker.expect(e);
  return e;
}

describe('row shapes of portals bound to a prepared statement', () => {
  it('learns the statement from its first portal, so later portals need no Describe, in their own formats', () => {
    const tracker = new ResponseTracker();
    tracker.forgetStatement('s1'); // its Parse
    tracker.bindPortal('', 's1', [1]);
    expect(tracker.knowsPortalRows('')).toBe(false);
    describePortal(tracker, '', 's1');
    expect(tracker.observe(emailRowDescription(1)).rows?.[0]).toMatchObject({ tableOid: 16384, columnAttr: 2, format: 1 });

    tracker.bindPortal('', 's1', []);
    expect(tracker.knowsPortalRows('')).toBe(true);
    tracker.expect({ kind: 'execute', swallow: false, portal: '' });
    const ctx = tracker.observe(frameOf(new MessageBuilder().int16(1).int32(1).bytes(Buffer.from('x')).build(BackendCode.DataRow)));
    expect(ctx.rows).toEqual([{ name: 'email', tableOid: 16384, columnAttr: 2, typeOid: 25, typeSize: -1, typeModifier: -1, format: 0 }]);
  });

  it('does not learn from an answer about a statement that was parsed again after the Describe was sent', () => {
    const tracker = new ResponseTracker();
    tracker.bindPortal('p', 's1', []);
    describePortal(tracker, 'p', 's1');
    // Pipelined: s1 is parsed anew (another text, another shape) before the old answer arrives.
    tracker.forgetStatement('s1');
    tracker.observe(emailRowDescription(0));
    tracker.bindPortal('q', 's1', []);
    expect(tracker.knowsPortalRows('q')).toBe(false);
  });

  it('forgets what it learned when the statement is closed or parsed again', () => {
    const tracker = new ResponseTracker();
    tracker.bindPortal('p', 's1', []);
    describePortal(tracker, 'p', 's1');
    tracker.observe(emailRowDescription(0));
    tracker.forgetStatement('s1');
    tracker.bindPortal('p', 's1', []);
    expect(tracker.knowsPortalRows('p')).toBe(false);
  });

  it('learns that a statement returns no rows from NoData', () => {
    const tracker = new ResponseTracker();
    tracker.bindPortal('p', 'ins', []);
    describePortal(tracker, 'p', 'ins');
    tracker.observe(frameOf(new MessageBuilder().build(BackendCode.NoData)));
    tracker.bindPortal('p', 'ins', []);
    expect(tracker.knowsPortalRows('p')).toBe(true);
  });
});
