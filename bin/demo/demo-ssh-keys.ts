import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ssh2 from 'ssh2';

/**
 * The demo SSH target's host key (pinned by the demo connection) and the key pair the server
 * leases to brokers to log in upstream. Made once per data dir and kept, so the pin stays true
 * across restarts.
 */
export interface DemoSshKeys {
  hostKeyFile: string;
  hostKeyPrivate: string;
  /** `ssh-ed25519 AAAA…`, as pinned on the connection. */
  hostKeyPublic: string;
  clientKeyFile: string;
  clientKeyPrivate: string;
  /** `ssh-ed25519 AAAA… gatehouse-demo`, as written to authorized_keys. */
  clientKeyPublic: string;
}

async function ensurePair(file: string, comment: string): Promise<{ privateKey: string; publicKey: string }> {
  if (!existsSync(file) || !existsSync(`${file}.pub`)) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    await writeFile(file, pair.private, { mode: 0o600 });
    await writeFile(`${file}.pub`, `${pair.public.trim()}\n`, { mode: 0o644 });
  }
  return { privateKey: await readFile(file, 'utf8'), publicKey: (await readFile(`${file}.pub`, 'utf8')).trim() };
}

function keyLine(publicKey: string): string {
  return publicKey.split(/\s+/).slice(0, 2).join(' ');
}

export async function ensureDemoSshKeys(dir: string): Promise<DemoSshKeys> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const hostKeyFile = join(dir, 'host_ed25519');
  const clientKeyFile = join(dir, 'client_ed25519');
  const host = await ensurePair(hostKeyFile, 'gatehouse-demo host key');
  const client = await ensurePair(clientKeyFile, 'gatehouse-demo leased key');
  return {
    hostKeyFile,
    hostKeyPrivate: host.privateKey,
    hostKeyPublic: keyLine(host.publicKey),
    clientKeyFile,
    clientKeyPrivate: client.privateKey,
    clientKeyPublic: `${keyLine(client.publicKey)} gatehouse-demo`,
  };
}
