import { describe, expect, it } from 'vitest';
import { BridgeDispatcher, BridgeFailure } from '../../../broker/bridge/bridge-dispatcher.ts';
import { handlersWith } from './fake-handlers.ts';

const idle = { host: 'browser' as const, serverUrl: null, issuer: null, signedIn: false, user: null, expiresAt: null, expiryWarning: false };

describe('BridgeDispatcher', () => {
  it('runs the handler with params validated and defaulted by the contract', async () => {
    const seen: unknown[] = [];
    const dispatcher = new BridgeDispatcher(
      handlersWith({
        'approvals.decide': (params) => {
          seen.push(params);
          return Promise.reject(new BridgeFailure('forbidden', 'you made this request'));
        },
        'session.state': () => Promise.resolve(idle),
      }),
    );
    expect(await dispatcher.call('session.state', {})).toEqual({ ok: true, result: idle });
    expect(await dispatcher.call('approvals.decide', { id: 'r1', decision: 'approve' })).toEqual({ ok: false, error: { code: 'forbidden', message: 'you made this request' } });
    expect(seen).toEqual([{ id: 'r1', decision: 'approve', comment: '' }]);
  });

  it('refuses unknown methods and bad params before any handler runs', async () => {
    let ran = false;
    const dispatcher = new BridgeDispatcher(
      handlersWith({
        'query.run': () => {
          ran = true;
          return Promise.resolve({ queryId: 'q' });
        },
      }),
    );
    expect(await dispatcher.call('no.such', {})).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(await dispatcher.call('__proto__', {})).toMatchObject({ ok: false, error: { code: 'invalid' } });
    const bad = await dispatcher.call('query.run', { connection: 'crm', sql: '' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(bad.ok === false && bad.error.message).toMatch(/sql|tabId/);
    expect(await dispatcher.call('session.state', { extra: true })).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(ran).toBe(false);
  });

  it("turns an unexpected error into 'failed' with its message", async () => {
    const dispatcher = new BridgeDispatcher(handlersWith({ 'audit.verify': () => Promise.reject(new Error('disk on fire')) }));
    expect(await dispatcher.call('audit.verify', {})).toEqual({ ok: false, error: { code: 'failed', message: 'disk on fire' } });
  });

  it('checks events against the contract on the way out and fans them out to every listener', () => {
    const dispatcher = new BridgeDispatcher(handlersWith({}));
    const a: unknown[] = [];
    const b: unknown[] = [];
    const stopA = dispatcher.onEvent((event, data) => a.push([event, data]));
    dispatcher.onEvent((event, data) => b.push([event, data]));
    dispatcher.emit('approvals.pending', { count: 2 });
    stopA();
    dispatcher.emit('approvals.pending', { count: 3 });
    expect(a).toEqual([['approvals.pending', { count: 2 }]]);
    expect(b).toEqual([
      ['approvals.pending', { count: 2 }],
      ['approvals.pending', { count: 3 }],
    ]);
    expect(() => dispatcher.emit('approvals.pending', { count: 'many' } as never)).toThrow();
    // A stray field (a token, say) never reaches the wire: the schema strips it.
    dispatcher.emit('session.changed', { ...idle, accessToken: 'secret' } as never);
    expect(JSON.stringify(b.at(-1))).not.toContain('secret');
  });

  it('passes acks on to flow-control listeners', () => {
    const dispatcher = new BridgeDispatcher(handlersWith({}));
    const acks: [string, number][] = [];
    const stop = dispatcher.onAck((stream, bytes) => acks.push([stream, bytes]));
    dispatcher.ack('t1', 4096);
    stop();
    dispatcher.ack('t1', 1);
    expect(acks).toEqual([['t1', 4096]]);
  });
});
