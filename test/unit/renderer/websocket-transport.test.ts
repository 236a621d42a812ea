import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { LinkStatus } from '../../../renderer/bridge/bridge-transport.ts';
import { WebSocketTransport, type SocketFactory } from '../../../renderer/bridge/websocket-transport.ts';

/* The browser transport against a real WebSocket server on loopback (the `ws` package stands in for the broker). */

const nodeSocket: SocketFactory = (url, handlers) => {
  const socket = new WebSocket(url);
  socket.on('open', () => handlers.open());
  socket.on('message', (data, isBinary) => {
    if (!isBinary) handlers.message(data.toString());
  });
  socket.on('close', (code, reason) => handlers.close(code, reason.toString()));
  socket.on('error', () => undefined);
  return { send: (text) => socket.send(text), close: () => socket.close() };
};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(onMessage: (socket: WebSocket, message: Record<string, unknown>) => void, port = 0): Promise<{ server: WebSocketServer; port: number; sockets: Set<WebSocket> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const sockets = new Set<WebSocket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('message', (data) => onMessage(socket, JSON.parse(data.toString()) as Record<string, unknown>));
  });
  cleanups.push(() => closeServer(server, sockets));
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

async function closeServer(server: WebSocketServer, sockets: Set<WebSocket>): Promise<void> {
  for (const socket of sockets) socket.terminate();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function transportTo(port: number, delayMs = () => 20): WebSocketTransport {
  const transport = new WebSocketTransport({ url: `ws://127.0.0.1:${port}/bridge?token=t`, createSocket: nodeSocket, delayMs });
  cleanups.push(() => transport.close());
  return transport;
}

function statusReached(transport: WebSocketTransport, state: LinkStatus['state']): Promise<LinkStatus> {
  if (transport.status().state === state) return Promise.resolve(transport.status());
  return new Promise((resolve) => {
    const stop = transport.onStatus((status) => {
      if (status.state !== state) return;
      stop();
      resolve(status);
    });
  });
}

describe('WebSocketTransport', () => {
  it('matches results to calls by id, even when they come back out of order', async () => {
    const { port } = await startServer((socket, message) => {
      const params = message.params as { n: number };
      // Answer the first call last.
      setTimeout(() => socket.send(JSON.stringify({ type: 'result', id: message.id, ok: true, result: { doubled: params.n * 2 } })), params.n === 1 ? 60 : 5);
    });
    const transport = transportTo(port);
    const [a, b] = await Promise.all([transport.call('x.first', { n: 1 }), transport.call('x.second', { n: 5 })]);
    expect(a).toEqual({ ok: true, result: { doubled: 2 } });
    expect(b).toEqual({ ok: true, result: { doubled: 10 } });
  });

  it('passes the broker error through and fans events out', async () => {
    const { port } = await startServer((socket, message) => {
      socket.send(JSON.stringify({ type: 'event', event: 'approvals.pending', data: { count: 3 } }));
      socket.send(JSON.stringify({ type: 'result', id: message.id, ok: false, error: { code: 'forbidden', message: 'not yours' } }));
    });
    const transport = transportTo(port);
    const events: [string, unknown][] = [];
    transport.onEvent((event, data) => events.push([event, data]));
    expect(await transport.call('approvals.decide', {})).toEqual({ ok: false, error: { code: 'forbidden', message: 'not yours' } });
    expect(events).toEqual([['approvals.pending', { count: 3 }]]);
  });

  it('sends acks only while open, in the contract shape', async () => {
    const received: Record<string, unknown>[] = [];
    const { port } = await startServer((socket, message) => {
      received.push(message);
      if (message.type === 'call') socket.send(JSON.stringify({ type: 'result', id: message.id, ok: true, result: null }));
    });
    const transport = transportTo(port);
    transport.ack('dropped-before-open', 1);
    await statusReached(transport, 'open');
    transport.ack('term-1', 4096);
    await transport.call('ping', {});
    expect(received[0]).toEqual({ type: 'ack', stream: 'term-1', bytes: 4096 });
    expect(received.some((m) => m.stream === 'dropped-before-open')).toBe(false);
  });

  it('fails calls in flight as unavailable when the socket drops, then reconnects and works again', async () => {
    let dropNext = true;
    const { port, sockets } = await startServer((socket, message) => {
      if (dropNext) {
        dropNext = false;
        socket.terminate();
        return;
      }
      socket.send(JSON.stringify({ type: 'result', id: message.id, ok: true, result: 'again' }));
    });
    const transport = transportTo(port);
    const lost = await transport.call('query.run', {});
    expect(lost.ok).toBe(false);
    expect(!lost.ok && lost.error.code).toBe('unavailable');
    expect(!lost.ok && lost.error.message).toMatch(/lost the connection/);
    await statusReached(transport, 'open');
    expect(await transport.call('query.run', {})).toEqual({ ok: true, result: 'again' });
    expect(sockets.size).toBe(1);
  });

  it('reports an unreachable broker, fails waiting calls, and connects once the broker is back', async () => {
    const probe = await startServer(() => undefined);
    const port = probe.port;
    await closeServer(probe.server, probe.sockets);

    const transport = transportTo(port, () => 50);
    const unreachable = await statusReached(transport, 'unreachable');
    expect(unreachable.state === 'unreachable' && unreachable.reason).toBe('cannot reach the broker');
    const failed = await transport.call('session.state', {});
    expect(failed).toEqual({ ok: false, error: { code: 'unavailable', message: 'cannot reach the broker' } });

    await startServer((socket, message) => socket.send(JSON.stringify({ type: 'result', id: message.id, ok: true, result: 'up' })), port);
    await statusReached(transport, 'open');
    expect(await transport.call('session.state', {})).toEqual({ ok: true, result: 'up' });
  });

  it('queues calls made while connecting and sends them once open', async () => {
    const { port } = await startServer((socket, message) => socket.send(JSON.stringify({ type: 'result', id: message.id, ok: true, result: message.method })));
    const transport = transportTo(port);
    expect(transport.status().state).toBe('connecting');
    expect(await transport.call('early', {})).toEqual({ ok: true, result: 'early' });
  });

  it('ignores frames that are not the contract shape', async () => {
    const { port } = await startServer((socket, message) => {
      socket.send('not json');
      socket.send(JSON.stringify({ type: 'result', id: 'x', ok: true }));
      socket.send(JSON.stringify({ type: 'result', id: message.id, ok: true, result: 1 }));
    });
    const transport = transportTo(port);
    expect(await transport.call('m', {})).toEqual({ ok: true, result: 1 });
  });

  it('after close, resolves calls as unavailable and stops reconnecting', async () => {
    const { port } = await startServer(() => undefined);
    const transport = transportTo(port);
    const pending = transport.call('never-answered', {});
    await statusReached(transport, 'open');
    transport.close();
    expect((await pending).ok).toBe(false);
    expect(transport.status().state).toBe('closed');
    expect((await transport.call('after', {})).ok).toBe(false);
  });
});
