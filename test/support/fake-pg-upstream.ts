import net from 'node:net';
import { backend } from '../../broker/pg/protocol/backend-messages.ts';
import { MessageBuilder } from '../../broker/pg/protocol/message-builder.ts';
import { FrameReader } from '../../broker/pg/protocol/frame-reader.ts';
import { BackendCode, FrontendCode, StartupCode } from '../../broker/pg/protocol/message-codes.ts';

/**
 * A stand-in PostgreSQL server that misbehaves on request, for what a real server never does.
 * It speaks just enough protocol for a proxy to log in without a password (sslmode=disable,
 * require_auth=none), then answers simple queries by their text:
 *   'select 1'  → one row with the value 1, as a real server would
 *   'half-row'  → RowDescription and half a DataRow, then the connection is cut
 *   'bad-frame' → a message whose length word is 2, and the connection is left open
 *   "select 'bad row in run'" → a text column, three rows holding e-mail addresses and one
 *                whose value lengths do not add up, sent in one write (one run of rows)
 * Anything else is answered with a syntax error.
 */

export const FakeQuery = { selectOne: 'select 1', halfRow: 'half-row', badFrame: 'bad-frame', badRowInRun: "select 'bad row in run'" } as const;

/** The e-mail addresses of the badRowInRun answer, which a masking proxy must never pass on. */
export const FAKE_RUN_EMAILS = ['first.person@example.com', 'second.person@example.com', 'third.person@example.com'] as const;

export interface FakeUpstream {
  port: number;
  /** Connections the proxy has open to us right now. */
  readonly openConnections: number;
  /** Resolves when no connection from the proxy remains open, or rejects after `timeoutMs`. */
  waitForNoConnections(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

function rowDescription(column: string, type: 'int4' | 'text' = 'int4'): Buffer {
  return new MessageBuilder()
    .int16(1)
    .cstring(column)
    .int32(0) // table OID: a computed column
    .int16(0)
    .int32(type === 'int4' ? 23 : 25)
    .int16(type === 'int4' ? 4 : -1)
    .int32(-1)
    .int16(0)
    .build(BackendCode.RowDescription);
}

function answer(socket: net.Socket, sql: string): void {
  switch (sql) {
    case FakeQuery.selectOne:
      socket.write(
        Buffer.concat([rowDescription('?column?'), backend.dataRow([Buffer.from('1')]), backend.commandComplete('SELECT 1'), backend.readyForQuery('I')]),
      );
      return;
    case FakeQuery.halfRow: {
      const row = backend.dataRow([Buffer.from('a value the client must never see half of')]);
      socket.write(Buffer.concat([rowDescription('v'), row.subarray(0, Math.floor(row.length / 2))]), () => socket.destroy());
      return;
    }
    case FakeQuery.badRowInRun: {
      const lying = backend.dataRow([Buffer.from(FAKE_RUN_EMAILS[0])]);
      lying.writeInt32BE(400, 7); // the value claims more bytes than the row has
      socket.write(
        Buffer.concat([
          rowDescription('v', 'text'),
          ...FAKE_RUN_EMAILS.map((email) => backend.dataRow([Buffer.from(email)])),
          lying,
          backend.commandComplete('SELECT 4'),
          backend.readyForQuery('I'),
        ]),
      );
      return;
    }
    case FakeQuery.badFrame:
      socket.write(Buffer.from([BackendCode.DataRow, 0, 0, 0, 2, 0, 0, 0, 0]));
      return;
    default:
      socket.write(Buffer.concat([backend.errorResponse({ severity: 'ERROR', code: '42601', message: `fake upstream does not understand "${sql}"` }), backend.readyForQuery('I')]));
  }
}

function serve(socket: net.Socket): void {
  socket.on('error', () => undefined);
  let startup = Buffer.alloc(0);
  let frames: FrameReader | null = null;
  socket.on('data', (chunk: Buffer) => {
    if (frames === null) {
      startup = Buffer.concat([startup, chunk]);
      while (frames === null && startup.length >= 8) {
        const len = startup.readUInt32BE(0);
        if (startup.length < len) return;
        const code = startup.readUInt32BE(4);
        const rest = startup.subarray(len);
        startup = Buffer.alloc(0);
        if (code === StartupCode.SSLRequest || code === StartupCode.GSSENCRequest) {
          socket.write('N');
          startup = rest;
          continue;
        }
        socket.write(
          Buffer.concat([
            backend.authenticationOk(),
            backend.parameterStatus('server_version', '17.0'),
            backend.parameterStatus('client_encoding', 'UTF8'),
            backend.parameterStatus('standard_conforming_strings', 'on'),
            backend.backendKeyData(4242, 1234),
            backend.readyForQuery('I'),
          ]),
        );
        frames = new FrameReader({ maxMessageBytes: 1024 * 1024, peer: 'proxy' });
        chunk = rest;
      }
      if (frames === null) return;
    }
    let received;
    try {
      received = frames.push(chunk);
    } catch {
      // The proxy under test sent something unframeable; a real server would hang up too.
      socket.destroy();
      return;
    }
    for (const f of received) {
      if (f.type === FrontendCode.Terminate) {
        socket.end();
        return;
      }
      if (f.type === FrontendCode.Query) answer(socket, f.payload.toString('utf8', 0, f.payload.length - 1));
    }
  });
}

export async function startFakeUpstream(): Promise<FakeUpstream> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serve(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get openConnections() {
      return sockets.size;
    },
    async waitForNoConnections(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (sockets.size > 0) {
        if (Date.now() > deadline) throw new Error(`${sockets.size} proxy connection(s) still open after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
