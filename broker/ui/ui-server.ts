import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { BridgeDispatcher } from '../bridge/bridge-dispatcher.ts';
import type { Logger } from '../log.ts';
import { hostMatches, isLoopbackAddress } from './bridge-access.ts';
import { rendererCsp } from './renderer-csp.ts';
import { securityHeaders, serveStatic } from './static-files.ts';
import { attachWebSocketBridge } from './ws-bridge.ts';

export interface UiServerOptions {
  dispatcher: BridgeDispatcher;
  rendererDir: string;
  /** 0 for any free port. */
  port: number;
  log: Logger;
  /** Default: 32 random bytes. */
  token?: string;
}

export interface RunningUiServer {
  /** The address to open: `http://127.0.0.1:PORT/#token=…` (the fragment never reaches a server log). */
  url: string;
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/**
 * `gatehouse ui`'s web server, on 127.0.0.1 only: the built renderer with a strict CSP, and the
 * bridge WebSocket for the page it served (checked by token, Origin, Host and loopback).
 */
export async function startUiServer(o: UiServerOptions): Promise<RunningUiServer> {
  const token = o.token ?? randomBytes(32).toString('base64url');
  const root = resolve(o.rendererDir);
  let origin = 'http://127.0.0.1:0';
  let csp = rendererCsp(0);
  const server = createServer((req, res) => {
    if (!isLoopbackAddress(req.socket.remoteAddress) || !hostMatches(origin, req.headers.host)) {
      res.writeHead(403, { ...securityHeaders(csp), 'content-type': 'text/plain; charset=utf-8' }).end('forbidden\n');
      return;
    }
    serveStatic(req, res, root, csp).catch((err: unknown) => {
      o.log.error({ err: (err as Error).message }, 'serving a file failed');
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  const bridge = attachWebSocketBridge(server, { dispatcher: o.dispatcher, access: () => ({ token, origin }), log: o.log });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(o.port, '127.0.0.1', () => done());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  csp = rendererCsp(port);
  return {
    url: `${origin}/#token=${token}`,
    origin,
    port,
    token,
    close: async () => {
      await bridge.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
