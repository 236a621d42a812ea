import type { AddressInfo, Socket } from 'node:net';
import pino from 'pino';
import ssh2 from 'ssh2';
import type { Connection, Server } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateListenerKeys } from '../../../broker/ssh/listener-keys.ts';
import { parsePinnedHostKey } from '../../../broker/ssh/host-key-pin.ts';
import { SshProxy } from '../../../broker/ssh/ssh-proxy.ts';
import { allowAllPolicy } from '../../../shared/policy/parse-policy.ts';

/*
 * A command that ends at once: the upstream answers the exec and sends exit-status, EOF and
 * close in the same breath, so the proxy reads them together with the exec's reply. The
 * status must still reach the client (OpenSSH reports 255 for a channel closed without one).
 */

const UPSTREAM_PASSWORD = 'upstream-password-0123';
const upstreamKeys = generateListenerKeys('upstream');
const listenerKeys = generateListenerKeys('listener');
let upstream: Server;
let upstreamPort: number;
let proxy: SshProxy;
let proxyPort: number;

function instantExec(connection: Connection): void {
  connection.on('authentication', (ctx) => (ctx.method === 'password' && ctx.password === UPSTREAM_PASSWORD ? ctx.accept() : ctx.reject(['password'])));
  connection.on('session', (accept) => {
    accept().on('exec', (acceptExec, _reject, info: { command: string }) => {
      // One write for the exec's reply and the status: the proxy reads them in one go, as it
      // does a fast command's when its event loop was busy for a moment.
      const socket = (connection as unknown as { _sock: Socket })._sock;
      socket.cork();
      const channel = acceptExec();
      channel.exit(Number(/^exit (\d+)$/.exec(info.command)?.[1] ?? 0));
      socket.uncork();
      channel.end();
    });
  });
  connection.on('error', () => undefined);
}

function execThroughProxy(command: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.on('error', reject);
    client.once('ready', () => {
      client.exec(command, (error, channel) => {
        if (error) return reject(error);
        let status: number | null = null;
        channel.on('exit', (code: number | null) => (status = code));
        channel.on('data', () => undefined);
        channel.once('close', () => {
          client.end();
          resolve(status);
        });
      });
    });
    client.connect({ host: '127.0.0.1', port: proxyPort, username: 'alice', privateKey: listenerKeys.clientPrivateKey });
  });
}

beforeAll(async () => {
  upstream = new ssh2.Server({ hostKeys: [upstreamKeys.hostKey] }, instantExec);
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
  upstreamPort = (upstream.address() as AddressInfo).port;
  proxy = new SshProxy({
    listenHost: '127.0.0.1',
    listenPort: 0,
    hostKey: listenerKeys.hostKey,
    credentials: { user: 'alice', password: null, publicKey: listenerKeys.clientPublicKey },
    upstream: { host: '127.0.0.1', port: upstreamPort, username: 'deploy', hostKey: parsePinnedHostKey(upstreamKeys.hostKeyPublic), auth: { password: UPSTREAM_PASSWORD } },
    policy: allowAllPolicy('instant'),
    actor: { user: 'alice@example.com', kind: 'human', localUser: 'alice' },
    spool: null,
    log: pino({ level: 'silent' }),
  });
  proxyPort = (await proxy.listen()).port;
});

afterAll(async () => {
  await proxy?.close();
  await new Promise<void>((resolve) => (upstream === undefined ? resolve() : upstream.close(() => resolve())));
});

describe('exec through the SSH proxy', () => {
  it('passes on the exit status of a command that ends as soon as it starts', async () => {
    for (const status of [0, 3, 0, 42, 0]) {
      expect(await execThroughProxy(`exit ${status}`)).toBe(status);
    }
  });
});
