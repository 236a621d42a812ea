import { describe, expect, it } from 'vitest';
import type { BridgeError } from '../../../shared/bridge/bridge-envelope.ts';
import { registerBridgeIpc } from '../../../electron/ipc/bridge-ipc.ts';
import type { IpcInvokeEvent } from '../../../electron/ports/electron-port.ts';
import { AppOrigin } from '../../../electron/security/app-origin.ts';
import { isTrustedSender } from '../../../electron/security/ipc-sender-check.ts';
import { FakeElectron, RecordingLog } from './fake-electron-port.ts';

const app = AppOrigin.packaged();
const MAIN = 7;
const fromMain: IpcInvokeEvent = { senderId: MAIN, senderFrameUrl: 'app://gatehouse/index.html#/approvals', senderIsMainFrame: true };

describe('isTrustedSender', () => {
  it('trusts the main window’s top frame on an app page', () => {
    expect(isTrustedSender(fromMain, MAIN, app)).toBe(true);
  });

  it.each<[string, IpcInvokeEvent, number | undefined]>([
    ['another webContents', { ...fromMain, senderId: 8 }, MAIN],
    ['a sub-frame of the main window', { ...fromMain, senderIsMainFrame: false }, MAIN],
    ['the main window showing a foreign page', { ...fromMain, senderFrameUrl: 'https://evil.example.com/' }, MAIN],
    ['a look-alike host', { ...fromMain, senderFrameUrl: 'app://gatehouse.evil/' }, MAIN],
    ['a file:// page', { ...fromMain, senderFrameUrl: 'file:///tmp/index.html' }, MAIN],
    ['a frame that is gone', { ...fromMain, senderFrameUrl: undefined }, MAIN],
    ['any sender while there is no main window', fromMain, undefined],
  ])('refuses %s', (_what, event, mainId) => {
    expect(isTrustedSender(event, mainId, app)).toBe(false);
  });
});

function wired() {
  const electron = new FakeElectron();
  const calls: { method: string; params: unknown }[] = [];
  const acks: [string, number][] = [];
  const bridge = {
    call: async (method: string, params: unknown): Promise<{ ok: true; result: unknown } | { ok: false; error: BridgeError }> => {
      calls.push({ method, params });
      return { ok: true, result: { echoed: method } };
    },
    ack: (stream: string, bytes: number) => void acks.push([stream, bytes]),
  };
  const log = new RecordingLog();
  registerBridgeIpc(electron.ipc, bridge, (event) => isTrustedSender(event, MAIN, app), log);
  return { electron, calls, acks, log };
}

describe('the IPC transport', () => {
  it('forwards a trusted call to the broker and answers with its envelope', async () => {
    const { electron, calls } = wired();
    const answer = await electron.invoke('gatehouse:call', fromMain, { method: 'connections.list', params: { search: 'demo' } });
    expect(answer).toEqual({ ok: true, result: { echoed: 'connections.list' } });
    expect(calls).toEqual([{ method: 'connections.list', params: { search: 'demo' } }]);
  });

  it('answers an untrusted sender with forbidden, and the broker never hears of it', async () => {
    const { electron, calls, log } = wired();
    const answer = await electron.invoke('gatehouse:call', { ...fromMain, senderFrameUrl: 'https://evil.example.com/x?token=abc' }, { method: 'session.state', params: {} });
    expect(answer).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(calls).toEqual([]);
    expect(log.text()).toContain('https://evil.example.com');
    expect(log.text()).not.toContain('token=abc');
  });

  it('refuses malformed calls before the broker sees them', async () => {
    const { electron, calls } = wired();
    for (const payload of [null, 'session.state', { method: 5 }, { method: '' }, { method: 'x'.repeat(101) }, { method: 'session.state', params: {}, extra: 1 }]) {
      expect(await electron.invoke('gatehouse:call', fromMain, payload)).toMatchObject({ ok: false, error: { code: 'invalid' } });
    }
    expect(calls).toEqual([]);
  });

  it('passes acks from the main window and drops the rest', () => {
    const { electron, acks } = wired();
    electron.sendIpc('gatehouse:ack', fromMain, { stream: 'term-1', bytes: 4096 });
    electron.sendIpc('gatehouse:ack', { ...fromMain, senderId: 99 }, { stream: 'term-1', bytes: 1 });
    electron.sendIpc('gatehouse:ack', fromMain, { stream: 'term-1', bytes: -1 });
    electron.sendIpc('gatehouse:ack', fromMain, { stream: 'term-1' });
    expect(acks).toEqual([['term-1', 4096]]);
  });
});
