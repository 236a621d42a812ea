import net from 'node:net';
import ssh2 from 'ssh2';
import type { Algorithms, Client, ConnectConfig } from 'ssh2';
import { describeMismatch, hostKeyAlgorithmsFor } from './host-key-pin.ts';
import type { PinnedHostKey } from './host-key-pin.ts';

export type SshUpstreamAuth = { privateKey: string | Buffer; passphrase?: string } | { password: string };

export interface SshUpstreamConfig {
  host: string;
  port: number;
  username: string;
  hostKey: PinnedHostKey;
  /** Held in memory only; never logged. */
  auth: SshUpstreamAuth;
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
}

export type UpstreamFailure = 'host-key-mismatch' | 'authentication' | 'unreachable';

export class UpstreamSshError extends Error {
  constructor(
    message: string,
    readonly failure: UpstreamFailure,
  ) {
    super(message);
  }
}

export function describeTarget(config: Pick<SshUpstreamConfig, 'host' | 'port'>): string {
  return config.host.includes(':') ? `[${config.host}]:${config.port}` : `${config.host}:${config.port}`;
}

/**
 * Opens and authenticates one upstream SSH connection with the host key pinned. Resolves
 * with the ready client; rejects with UpstreamSshError, whose message is fit to show the
 * person at the terminal (it never contains a credential).
 */
export function connectUpstreamSsh(config: SshUpstreamConfig, signal?: AbortSignal): Promise<Client> {
  const target = describeTarget(config);
  return new Promise<Client>((resolve, reject) => {
    const client = new ssh2.Client();
    let presented: Buffer | null = null;
    let settled = false;
    const fail = (error: UpstreamSshError): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      client.end();
      socket.destroy();
      reject(error);
    };
    const onAbort = (): void => fail(new UpstreamSshError(`the connection to ${target} was abandoned`, 'unreachable'));
    signal?.addEventListener('abort', onAbort, { once: true });
    // Our own socket, so Nagle is off from the first byte: keystrokes must not wait for ACKs.
    const socket = net.connect({ host: config.host, port: config.port, noDelay: true });
    socket.on('error', () => undefined);
    const connectConfig: ConnectConfig = {
      sock: socket,
      username: config.username,
      readyTimeout: config.readyTimeoutMs ?? 20_000,
      keepaliveInterval: config.keepaliveIntervalMs ?? 15_000,
      algorithms: { serverHostKey: hostKeyAlgorithmsFor(config.hostKey.type) as Algorithms['serverHostKey'] },
      hostVerifier: (key: Buffer) => {
        presented = key;
        return key.equals(config.hostKey.blob);
      },
      ...('password' in config.auth ? { password: config.auth.password } : { privateKey: config.auth.privateKey, passphrase: config.auth.passphrase }),
    };
    client.once('ready', () => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      resolve(client);
    });
    client.on('error', (error: Error & { level?: string }) => {
      if (presented !== null && !presented.equals(config.hostKey.blob)) {
        fail(new UpstreamSshError(describeMismatch(target, config.hostKey, presented), 'host-key-mismatch'));
      } else if (error.level === 'client-authentication') {
        fail(new UpstreamSshError(`the upstream ${target} refused the leased credential for ${config.username}`, 'authentication'));
      } else if (/no matching/i.test(error.message) && presented === null) {
        fail(new UpstreamSshError(`the upstream ${target} offers no ${config.hostKey.type} host key, so the pinned key cannot be verified; refusing to connect`, 'host-key-mismatch'));
      } else {
        fail(new UpstreamSshError(`cannot open the upstream SSH session to ${target}: ${error.message}`, 'unreachable'));
      }
    });
    client.once('close', () => fail(new UpstreamSshError(`the upstream ${target} closed the connection during the handshake`, 'unreachable')));
    client.connect(connectConfig);
  });
}
