import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { z } from 'zod';
import { generateListenerKeys, publicKeyLine } from './listener-keys.ts';
import { knownHostsLine, type ListenerAccess } from './ssh-client-config.ts';

/**
 * The files one named SSH listener keeps between runs, under `<stateDir>/<alias>/`:
 * its host key (so a pinned known_hosts entry survives restarts), the key pair the person's
 * ssh client logs in with, the known_hosts file for the current port, and `listener.json`
 * while it runs (what `gatehouse ssh-config` prints).
 */
export interface ListenerFiles {
  dir: string;
  hostKey: string;
  hostKeyPublic: string;
  identityFile: string;
  clientPublicKey: string;
  knownHostsFile: string;
}

const listenerRecordSchema = z.object({
  alias: z.string(),
  host: z.string(),
  port: z.number().int(),
  user: z.string(),
  identityFile: z.string(),
  knownHostsFile: z.string(),
  hostKeyPublic: z.string(),
  pid: z.number().int(),
});
export type ListenerRecord = z.infer<typeof listenerRecordSchema>;

const RECORD_FILE = 'listener.json';

export function defaultSshStateDir(): string {
  const base = process.env['XDG_STATE_HOME'] ?? join(homedir(), '.local', 'state');
  return join(base, 'gatehouse', 'ssh');
}

export function validAlias(alias: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(alias);
}

/** Loads the listener's keys, creating them (mode 0600) on first use. */
export function loadOrCreateListenerFiles(stateDir: string, alias: string): ListenerFiles {
  if (!validAlias(alias)) throw new Error(`listener name "${alias}" must be letters, digits, ".", "_" or "-"`);
  const dir = join(stateDir, alias);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const hostKeyFile = join(dir, 'host_key');
  const identityFile = join(dir, 'client_key');
  if (!existsSync(hostKeyFile) || !existsSync(identityFile)) {
    const keys = generateListenerKeys(`gatehouse ${alias}`);
    writeFileSync(hostKeyFile, keys.hostKey, { mode: 0o600 });
    writeFileSync(identityFile, keys.clientPrivateKey, { mode: 0o600 });
    writeFileSync(`${identityFile}.pub`, `${keys.clientPublicKey} gatehouse-${alias}\n`, { mode: 0o644 });
  }
  const hostKey = readFileSync(hostKeyFile, 'utf8');
  return {
    dir,
    hostKey,
    hostKeyPublic: publicOf(hostKey, hostKeyFile),
    identityFile,
    clientPublicKey: publicOf(readFileSync(identityFile, 'utf8'), identityFile),
    knownHostsFile: join(dir, 'known_hosts'),
  };
}

function publicOf(privateKey: string, file: string): string {
  const parsed = ssh2.utils.parseKey(privateKey);
  if (parsed instanceof Error) throw new Error(`cannot read the key in ${file}: ${parsed.message}`);
  return publicKeyLine(`${parsed.type} ${parsed.getPublicSSH().toString('base64')}`);
}

/** Writes known_hosts for the port the listener got, and the record `ssh-config` reads. */
export function publishListener(files: ListenerFiles, access: Omit<ListenerAccess, 'identityFile' | 'knownHostsFile' | 'hostKeyPublic'>): ListenerRecord {
  writeFileSync(files.knownHostsFile, `${knownHostsLine(access.host, access.port, files.hostKeyPublic)}\n`, { mode: 0o644 });
  const record: ListenerRecord = {
    ...access,
    identityFile: files.identityFile,
    knownHostsFile: files.knownHostsFile,
    hostKeyPublic: files.hostKeyPublic,
    pid: process.pid,
  };
  writeFileSync(join(files.dir, RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  return record;
}

export function unpublishListener(files: ListenerFiles): void {
  rmSync(join(files.dir, RECORD_FILE), { force: true });
}

/** Records of listeners whose process is still running; stale ones (a killed proxy) are skipped. */
export function runningListeners(stateDir: string): ListenerRecord[] {
  if (!existsSync(stateDir)) return [];
  const records: ListenerRecord[] = [];
  for (const entry of readdirSync(stateDir, { withFileTypes: true })) {
    const file = join(stateDir, entry.name, RECORD_FILE);
    if (!entry.isDirectory() || !existsSync(file)) continue;
    let record: ListenerRecord;
    try {
      record = listenerRecordSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    } catch {
      continue;
    }
    if (processAlive(record.pid)) records.push(record);
  }
  return records.sort((a, b) => a.alias.localeCompare(b.alias));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
