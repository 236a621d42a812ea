import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { bridgeInboundSchema } from '../../shared/bridge/bridge-envelope.ts';
import type { BridgeDispatcher } from '../bridge/bridge-dispatcher.ts';
import type { Logger } from '../log.ts';
import { checkBridgeAccess, type BridgeAccessRule } from './bridge-access.ts';

/** A query pane's SQL may be up to 1 MB of text; nothing the renderer sends is larger. */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

const STATUS_TEXT: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' };

/**
 * The `gatehouse ui` transport of the bridge: a WebSocket at /bridge carrying the envelopes of
 * shared/bridge/bridge-envelope.ts — calls in, results and events out, acks in. Upgrades that
 * fail the access rule are answered with a plain HTTP error and never reach the dispatcher.
 */
export function attachWebSocketBridge(server: Server, o: { dispatcher: BridgeDispatcher; access: () => BridgeAccessRule; log: Logger }): { close(): Promise<void> } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const verdict = checkBridgeAccess(o.access(), {
      remoteAddress: req.socket.remoteAddress,
      host: req.headers.host,
      origin: req.headers.origin,
      url: req.url,
    });
    if (!verdict.ok) {
      o.log.warn({ reason: verdict.reason, remote: req.socket.remoteAddress }, 'refused a bridge connection');
      socket.end(`HTTP/1.1 ${verdict.status} ${STATUS_TEXT[verdict.status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws));
  });

  function serve(ws: WebSocket): void {
    const send = (message: unknown): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    const unsubscribe = o.dispatcher.onEvent((event, data) => send({ type: 'event', event, data }));
    ws.on('message', (raw, isBinary) => {
      if (isBinary) {
        ws.close(1003, 'text frames only');
        return;
      }
      let json: unknown;
      try {
        json = JSON.parse(raw.toString());
      } catch {
        ws.close(1007, 'not JSON');
        return;
      }
      const parsed = bridgeInboundSchema.safeParse(json);
      if (!parsed.success) {
        // A call we can answer gets a proper error; anything else ends the conversation.
        const id = (json as { id?: unknown } | null)?.id;
        if (typeof id === 'number' && Number.isInteger(id) && id >= 0) {
          send({ type: 'result', id, ok: false, error: { code: 'invalid', message: 'not a bridge message' } });
        } else {
          ws.close(1008, 'not a bridge message');
        }
        return;
      }
      const message = parsed.data;
      switch (message.type) {
        case 'call':
          void o.dispatcher.call(message.method, message.params).then((outcome) => send({ type: 'result', id: message.id, ...outcome }));
          break;
        case 'ack':
          o.dispatcher.ack(message.stream, message.bytes);
          break;
        default:
          message satisfies never;
      }
    });
    ws.on('close', unsubscribe);
    ws.on('error', (err) => o.log.warn({ err: err.message }, 'bridge socket error'));
  }

  return {
    close: () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}
