import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerEventStream, type ReceivedServerEvent } from '../../../broker/server-client/event-stream.ts';
import type { ServerEvent } from '../../../shared/api/events.ts';

interface Connection {
  lastEventId: string | undefined;
  authorization: string | undefined;
}

type Behaviour = (req: IncomingMessage, res: ServerResponse, connection: number) => void;

/** A tiny SSE server: each connection is handed to `behaviour` with its number (0, 1, …). */
class SseServer {
  readonly connections: Connection[] = [];
  private server: Server | undefined;
  baseUrl = '';

  constructor(private readonly behaviour: Behaviour) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const n = this.connections.length;
      this.connections.push({
        lastEventId: req.headers['last-event-id'] as string | undefined,
        authorization: req.headers['authorization'],
      });
      this.behaviour(req, res, n);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

function policyChanged(version: number): ServerEvent {
  return { type: 'policy.changed', connection: 'orders-prod', version };
}

function frame(id: number, event: unknown): string {
  return `id: ${id}\ndata: ${JSON.stringify(event)}\n\n`;
}

function openStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(behaviour: Behaviour): Promise<SseServer> {
  const server = new SseServer(behaviour);
  await server.start();
  cleanups.push(() => server.stop());
  return server;
}

function stream(server: SseServer, extra: Partial<ConstructorParameters<typeof ServerEventStream>[0]> = {}): ServerEventStream {
  const s = new ServerEventStream({
    baseUrl: server.baseUrl,
    tokens: { accessToken: () => Promise.resolve('token-1') },
    initialBackoffMs: 10,
    maxBackoffMs: 50,
    ...extra,
  });
  cleanups.push(() => s.close());
  return s;
}

describe('ServerEventStream', () => {
  it('resumes with Last-Event-ID after the server drops the connection mid-event, missing nothing', async () => {
    const all = [1, 2, 3, 4, 5, 6].map((v) => ({ id: v, event: policyChanged(v) }));
    const server = await serve((req, res, n) => {
      openStream(res);
      const after = Number(req.headers['last-event-id'] ?? 0);
      const pending = all.filter((e) => e.id > after);
      if (n === 0) {
        // Three whole events, then half of the fourth, then the connection dies.
        for (const e of pending.slice(0, 3)) res.write(frame(e.id, e.event));
        res.write(`id: 4\ndata: {"type":"policy.cha`);
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      res.write(': heartbeat\n\n');
      for (const e of pending) res.write(frame(e.id, e.event));
    });
    const s = stream(server);
    const received: { id: string | undefined; version: number }[] = [];
    s.on('policy.changed', (event, id) => received.push({ id, version: event.version }));
    s.start();
    await expect.poll(() => received.length, { timeout: 5000 }).toBe(6);
    expect(received.map((r) => r.version)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(received.map((r) => r.id)).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(server.connections[0]!.lastEventId).toBeUndefined();
    expect(server.connections[1]!.lastEventId).toBe('3');
    expect(server.connections.every((c) => c.authorization === 'Bearer token-1')).toBe(true);
    expect(s.lastEventId).toBe('6');
    expect(s.connected).toBe(true);
  });

  it('starts from a given lastEventId and yields events through async iteration', async () => {
    const server = await serve((req, res) => {
      openStream(res);
      const after = Number(req.headers['last-event-id'] ?? 0);
      for (let id = after + 1; id <= after + 3; id++) res.write(frame(id, policyChanged(id)));
    });
    const s = stream(server, { lastEventId: '41' });
    const iterator = s[Symbol.asyncIterator]();
    s.start();
    const got: ReceivedServerEvent[] = [];
    for (let i = 0; i < 3; i++) {
      const next = await iterator.next();
      got.push(next.value as ReceivedServerEvent);
    }
    expect(got.map((g) => g.id)).toEqual(['42', '43', '44']);
    expect(server.connections[0]!.lastEventId).toBe('41');
    const pending = iterator.next();
    await s.close();
    expect((await pending).done).toBe(true);
    expect(s.connected).toBe(false);
  });

  it('skips an event that does not match the contract, reports it, and still moves past its id', async () => {
    const server = await serve((_req, res, n) => {
      openStream(res);
      if (n > 0) return;
      res.write(frame(1, { type: 'no.such.event' }));
      res.write('id: 2\ndata: not json\n\n');
      res.write(frame(3, { type: 'session.kill', sessionId: 'sess-9', by: 'auditor@example.com', reason: 'suspicious' }));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const errors: string[] = [];
    const s = stream(server, { onError: (err) => errors.push(err.message) });
    const kills: string[] = [];
    const everything: string[] = [];
    s.on('session.kill', (event) => kills.push(event.sessionId));
    s.on('*', (event) => everything.push(event.type));
    s.start();
    await expect.poll(() => server.connections.length, { timeout: 5000 }).toBeGreaterThan(1);
    expect(kills).toEqual(['sess-9']);
    expect(everything).toEqual(['session.kill']);
    expect(errors.some((m) => m.includes('event 1 does not match the contract'))).toBe(true);
    expect(errors.some((m) => m.includes('event 2 is not JSON'))).toBe(true);
    expect(server.connections[1]!.lastEventId).toBe('3');
  });

  it('reconnects when the stream goes silent past the idle timeout (half-open connection)', async () => {
    const server = await serve((req, res, n) => {
      openStream(res);
      if (n === 0) res.write(frame(1, policyChanged(1)));
      // and then nothing at all, not even a heartbeat
    });
    const s = stream(server, { idleTimeoutMs: 150 });
    s.start();
    await expect.poll(() => server.connections.length, { timeout: 5000 }).toBeGreaterThan(1);
    expect(server.connections[1]!.lastEventId).toBe('1');
  });

  it('asks for a new token after a 401, and reports refusals while it keeps trying', async () => {
    const server = await serve((req, res) => {
      if (req.headers['authorization'] !== 'Bearer fresh') {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{"message":"token expired"}');
        return;
      }
      openStream(res);
      res.write(frame(7, policyChanged(7)));
    });
    let token = 'stale';
    let invalidations = 0;
    const errors: string[] = [];
    const s = stream(server, {
      tokens: {
        accessToken: () => Promise.resolve(token),
        invalidate: () => {
          invalidations++;
          token = 'fresh';
        },
      },
      onError: (err) => errors.push(err.message),
    });
    const versions: number[] = [];
    s.on('policy.changed', (event) => versions.push(event.version));
    s.start();
    await expect.poll(() => versions, { timeout: 5000 }).toEqual([7]);
    expect(invalidations).toBe(1);
    expect(errors).toContain('GET /v1/events answered 401');
  });

  it('reports connection state changes and stays closed after close()', async () => {
    const server = await serve((_req, res) => {
      openStream(res);
      res.write(': hi\n\n');
    });
    const s = stream(server);
    const states: boolean[] = [];
    s.onConnectionChange((connected) => states.push(connected));
    s.start();
    await expect.poll(() => s.connected, { timeout: 5000 }).toBe(true);
    await s.close();
    expect(states).toEqual([true, false]);
    const connections = server.connections.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(server.connections.length).toBe(connections);
    expect(() => s.start()).toThrow(/closed/);
  });
});
