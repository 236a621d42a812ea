import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { BridgeDispatcher, BridgeFailure, type BridgeHandlers } from '../../../broker/bridge/bridge-dispatcher.ts';
import { BridgeCallError, BridgeClient } from '../../../renderer/bridge/bridge-client.ts';
import { WebSocketTransport } from '../../../renderer/bridge/websocket-transport.ts';
import type { SessionState } from '../../../shared/bridge/session-bridge.ts';

/*
 * The renderer's client against the broker's real dispatcher, over a real loopback WebSocket:
 * the contract's validation on both ends, error codes, and typed events.
 */

const signedOut: SessionState = { host: 'browser', serverUrl: null, issuer: null, signedIn: false, user: null, expiresAt: null, expiryWarning: false };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function clientFor(handlers: Partial<BridgeHandlers>): Promise<{ client: BridgeClient; dispatcher: BridgeDispatcher; sendRaw: (frame: unknown) => void }> {
  const dispatcher = new BridgeDispatcher(handlers as BridgeHandlers);
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const sockets = new Set<WebSocket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    const stop = dispatcher.onEvent((event, data) => socket.send(JSON.stringify({ type: 'event', event, data })));
    socket.on('close', () => {
      stop();
      sockets.delete(socket);
    });
    socket.on('message', async (raw) => {
      const message = JSON.parse(raw.toString()) as { id: number; method: string; params: unknown };
      socket.send(JSON.stringify({ type: 'result', id: message.id, ...(await dispatcher.call(message.method, message.params)) }));
    });
  });
  const port = (server.address() as AddressInfo).port;
  const transport = new WebSocketTransport({
    url: `ws://127.0.0.1:${port}/bridge?token=t`,
    createSocket: (url, h) => {
      const socket = new WebSocket(url);
      socket.on('open', () => h.open());
      socket.on('message', (data) => h.message(data.toString()));
      socket.on('close', (code, reason) => h.close(code, reason.toString()));
      socket.on('error', () => undefined);
      return { send: (text) => socket.send(text), close: () => socket.close() };
    },
  });
  const client = new BridgeClient(transport);
  cleanups.push(async () => {
    client.close();
    for (const socket of sockets) socket.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const sendRaw = (frame: unknown) => {
    for (const socket of sockets) socket.send(JSON.stringify(frame));
  };
  await new Promise<void>((resolve) => {
    if (client.status().state === 'open') resolve();
    const stop = client.onStatus((s) => {
      if (s.state === 'open') {
        stop();
        resolve();
      }
    });
  });
  return { client, dispatcher, sendRaw };
}

describe('BridgeClient', () => {
  it('returns the typed result of a call', async () => {
    const { client } = await clientFor({ 'session.state': async () => signedOut });
    expect(await client.call('session.state', {})).toEqual(signedOut);
  });

  it('turns a broker failure into a BridgeCallError with its code', async () => {
    const { client } = await clientFor({
      'approvals.decide': async () => {
        throw new BridgeFailure('forbidden', 'you cannot approve your own request');
      },
    });
    const failure = await client.call('approvals.decide', { id: 'r1', decision: 'approve' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(BridgeCallError);
    expect(failure).toMatchObject({ code: 'forbidden', message: 'you cannot approve your own request', method: 'approvals.decide' });
  });

  it('surfaces the broker-side params validation as invalid', async () => {
    const { client } = await clientFor({ 'session.setServer': async () => signedOut });
    await expect(client.call('session.setServer', { url: 'not a url' })).rejects.toMatchObject({ code: 'invalid' });
  });

  it('rejects a result that does not match the contract', async () => {
    const { client } = await clientFor({ 'session.state': async () => ({ signedIn: 'yes' }) as unknown as SessionState });
    await expect(client.call('session.state', {})).rejects.toMatchObject({ code: 'invalid' });
  });

  it('delivers contract events to their handlers and drops malformed ones', async () => {
    const { client, dispatcher, sendRaw } = await clientFor({});
    const counts: number[] = [];
    const stop = client.on('approvals.pending', ({ count }) => counts.push(count));
    sendRaw({ type: 'event', event: 'approvals.pending', data: { count: 'many' } });
    dispatcher.emit('approvals.pending', { count: 2 });
    await new Promise((r) => setTimeout(r, 50));
    stop();
    dispatcher.emit('approvals.pending', { count: 7 });
    await new Promise((r) => setTimeout(r, 50));
    expect(counts).toEqual([2]);
  });

  it('keeps other handlers running when one throws', async () => {
    const { client, dispatcher } = await clientFor({});
    const seen: string[] = [];
    client.on('navigate', () => {
      throw new Error('broken view');
    });
    client.on('navigate', ({ route }) => seen.push(route));
    const errors = console.error;
    console.error = () => undefined;
    try {
      dispatcher.emit('navigate', { route: 'gatehouse://approvals/r1' });
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      console.error = errors;
    }
    expect(seen).toEqual(['gatehouse://approvals/r1']);
  });
});
