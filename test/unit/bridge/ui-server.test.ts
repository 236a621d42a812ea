import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { BridgeDispatcher } from '../../../broker/bridge/bridge-dispatcher.ts';
import { startUiServer, type RunningUiServer } from '../../../broker/ui/ui-server.ts';
import { handlersWith } from './fake-handlers.ts';

let dir: string;
let ui: RunningUiServer;
let dispatcher: BridgeDispatcher;
const acks: [string, number][] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-ui-test-'));
  await mkdir(join(dir, 'renderer', 'assets'), { recursive: true });
  await writeFile(join(dir, 'renderer', 'index.html'), '<!doctype html><title>Gatehouse</title>');
  await writeFile(join(dir, 'renderer', 'assets', 'app.js'), 'console.log(1)');
  await writeFile(join(dir, 'secret.txt'), 'outside the renderer');
  dispatcher = new BridgeDispatcher(handlersWith({ 'approvals.inbox': () => Promise.resolve({ requests: [], pendingForMe: 0 }) }));
  dispatcher.onAck((stream, bytes) => acks.push([stream, bytes]));
  ui = await startUiServer({ dispatcher, rendererDir: join(dir, 'renderer'), port: 0, log: pino({ level: 'silent' }) });
});

afterAll(async () => {
  await ui.close();
  await rm(dir, { recursive: true, force: true });
});

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: ui.port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function open(url: string, origin: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      ws.terminate();
      reject(new Error(`HTTP ${res.statusCode}`));
    });
    ws.once('error', reject);
  });
}

function next(ws: WebSocket): Promise<Record<string, unknown>> {
  return new Promise((resolve) => ws.once('message', (raw) => resolve(JSON.parse(raw.toString()) as Record<string, unknown>)));
}

const bridgeUrl = (): string => `ws://127.0.0.1:${ui.port}/bridge?token=${ui.token}`;

describe('gatehouse ui server', () => {
  it('prints a loopback URL with the token in the fragment', () => {
    expect(ui.url).toBe(`http://127.0.0.1:${ui.port}/#token=${ui.token}`);
    expect(ui.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('serves the renderer with a strict CSP, and nothing outside it', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Gatehouse</title>');
    expect(page.headers['content-security-policy']).toBe(
      `default-src 'self'; connect-src 'self' ws://127.0.0.1:${ui.port}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    );
    expect(page.headers['cache-control']).toBe('no-store');
    expect((await get('/assets/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get('/approvals/123')).body).toContain('<title>Gatehouse</title>');
    expect((await get('/../secret.txt')).body).not.toContain('outside');
    expect((await get('/%2e%2e/secret.txt')).body).not.toContain('outside');
    expect((await get('/assets/missing.js')).status).toBe(404);
    expect((await get('/', { host: `evil.example:${ui.port}` })).status).toBe(403);
  });

  it('carries calls, results, events and acks over the socket', async () => {
    const ws = await open(bridgeUrl(), ui.origin);
    ws.send(JSON.stringify({ type: 'call', id: 7, method: 'approvals.inbox', params: {} }));
    expect(await next(ws)).toEqual({ type: 'result', id: 7, ok: true, result: { requests: [], pendingForMe: 0 } });
    ws.send(JSON.stringify({ type: 'call', id: 8, method: 'query.run', params: {} }));
    expect(await next(ws)).toMatchObject({ type: 'result', id: 8, ok: false, error: { code: 'invalid' } });
    ws.send(JSON.stringify({ type: 'call', id: 9, method: 'terminal.open', params: { connection: 'x', cols: 80, rows: 24 } }));
    expect(await next(ws)).toMatchObject({ id: 9, ok: false, error: { code: 'unavailable' } });
    const event = next(ws);
    dispatcher.emit('approvals.pending', { count: 4 });
    expect(await event).toEqual({ type: 'event', event: 'approvals.pending', data: { count: 4 } });
    ws.send(JSON.stringify({ type: 'ack', stream: 'term-1', bytes: 1024 }));
    await expect.poll(() => acks).toEqual([['term-1', 1024]]);
    ws.close();
  });

  it('closes the socket on garbage', async () => {
    const ws = await open(bridgeUrl(), ui.origin);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('not json');
    expect(await closed).toBe(1007);
  });

  it('refuses a wrong token, a foreign Origin and a foreign Host', async () => {
    await expect(open(`ws://127.0.0.1:${ui.port}/bridge?token=wrong`, ui.origin)).rejects.toThrow('HTTP 401');
    await expect(open(`ws://127.0.0.1:${ui.port}/bridge`, ui.origin)).rejects.toThrow('HTTP 401');
    await expect(open(bridgeUrl(), 'http://localhost:1')).rejects.toThrow('HTTP 403');
    await expect(open(bridgeUrl().replace('127.0.0.1', 'localhost'), ui.origin)).rejects.toThrow('HTTP 403');
  });
});
