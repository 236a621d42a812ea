import { describe, expect, it } from 'vitest';
import { createPreloadApi, type PreloadIpc } from '../../../electron/preload/preload-api.ts';

class FakeIpcRenderer implements PreloadIpc {
  readonly invoked: { channel: string; payload: unknown }[] = [];
  readonly sent: { channel: string; payload: unknown }[] = [];
  private readonly listeners = new Map<string, ((payload: unknown) => void)[]>();
  answer: unknown = { ok: true, result: { fine: true } };

  async invoke(channel: string, payload: unknown): Promise<unknown> {
    this.invoked.push({ channel, payload });
    return this.answer;
  }
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
  on(channel: string, listener: (payload: unknown) => void): void {
    this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), listener]);
  }
  fromMain(channel: string, payload: unknown): void {
    for (const l of this.listeners.get(channel) ?? []) l(payload);
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('the preload API', () => {
  it('exposes exactly call, onEvent and ack', () => {
    expect(Object.keys(createPreloadApi(new FakeIpcRenderer())).sort()).toEqual(['ack', 'call', 'onEvent']);
  });

  it('calls over gatehouse:call and resolves to the broker’s envelope', async () => {
    const ipc = new FakeIpcRenderer();
    const api = createPreloadApi(ipc);
    expect(await api.call('connections.list', { search: 'x' })).toEqual({ ok: true, result: { fine: true } });
    await api.call('session.state', undefined);
    expect(ipc.invoked).toEqual([
      { channel: 'gatehouse:call', payload: { method: 'connections.list', params: { search: 'x' } } },
      { channel: 'gatehouse:call', payload: { method: 'session.state', params: {} } },
    ]);
  });

  it('answers a non-string method itself', async () => {
    const ipc = new FakeIpcRenderer();
    expect(await createPreloadApi(ipc).call(5 as unknown as string, {})).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(ipc.invoked).toEqual([]);
  });

  it('delivers events as (event, data) and stops after unsubscribe', () => {
    const ipc = new FakeIpcRenderer();
    const api = createPreloadApi(ipc);
    const heard: unknown[][] = [];
    const stop = api.onEvent((...args) => heard.push(args));
    ipc.fromMain('gatehouse:event', { event: 'approvals.pending', data: { count: 4 } });
    stop();
    ipc.fromMain('gatehouse:event', { event: 'approvals.pending', data: { count: 5 } });
    expect(heard).toEqual([['approvals.pending', { count: 4 }]]);
  });

  it('keeps events that arrive before the page subscribes (a deep link at startup) and replays them', async () => {
    const ipc = new FakeIpcRenderer();
    const api = createPreloadApi(ipc);
    ipc.fromMain('gatehouse:event', { event: 'navigate', data: { route: 'gatehouse://connect/demo' } });
    ipc.fromMain('gatehouse:event', { bogus: true });
    const heard: unknown[][] = [];
    api.onEvent((...args) => heard.push(args));
    expect(heard).toEqual([]);
    await settle();
    expect(heard).toEqual([['navigate', { route: 'gatehouse://connect/demo' }]]);
  });

  it('acks over gatehouse:ack', () => {
    const ipc = new FakeIpcRenderer();
    createPreloadApi(ipc).ack('term-1', 1024);
    expect(ipc.sent).toEqual([{ channel: 'gatehouse:ack', payload: { stream: 'term-1', bytes: 1024 } }]);
  });
});
