/**
 * The least any Node.js proxy can do on the benchmark's path, run as its own process: ask the
 * server for TLS (SSLRequest), then copy bytes both ways, with no framing, no policy and no
 * buffering of its own. bench:pg measures it beside Gatehouse and PgBouncer so that the cost of
 * the runtime (event loop, streams, TLS in Node) is told apart from the cost of Gatehouse's work.
 *
 * Usage: node --import tsx bench/pg/node-relay-main.ts <server host> <server port>
 * Prints one JSON line, {"port":N}, once it listens on 127.0.0.1:N.
 */
import net from 'node:net';
import tls from 'node:tls';

const SSL_REQUEST_CODE = 80877103;

function relay(client: net.Socket, host: string, port: number): void {
  const raw = net.connect({ host, port, noDelay: true });
  raw.on('error', () => client.destroy());
  client.on('error', () => raw.destroy());
  raw.once('connect', () => {
    const request = Buffer.alloc(8);
    request.writeUInt32BE(8, 0);
    request.writeUInt32BE(SSL_REQUEST_CODE, 4);
    raw.write(request);
  });
  raw.once('data', (answer: Buffer) => {
    if (answer[0] !== 0x53 /* 'S' */) {
      client.destroy();
      raw.destroy();
      return;
    }
    // Like sslmode=require: encrypted, not verified (the bench's own throw-away CA).
    const server = tls.connect({ socket: raw, rejectUnauthorized: false }, () => {
      server.setNoDelay(true);
      client.on('data', (chunk: Buffer) => server.write(chunk));
      server.on('data', (chunk: Buffer) => client.write(chunk));
      client.resume();
    });
    server.on('error', () => client.destroy());
    server.on('close', () => client.destroy());
    client.on('close', () => server.destroy());
  });
}

const [host, portText] = process.argv.slice(2);
if (host === undefined || portText === undefined) throw new Error('usage: node-relay-main.ts <server host> <server port>');
const listener = net.createServer({ noDelay: true, pauseOnConnect: true }, (client) => relay(client, host, Number(portText)));
listener.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (listener.address() as net.AddressInfo).port })}\n`);
});
