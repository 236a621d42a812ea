import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { posix } from 'node:path';
import ssh2 from 'ssh2';
import type { Connection, ServerChannel } from 'ssh2';
import { DEMO_HOST } from './demo-ports.ts';
import { DemoShell } from './demo-ssh-shell.ts';
import { DEMO_HOME_FILES, DEMO_SSH_HOSTNAME, DEMO_SSH_USER } from './demo-ssh-files.ts';
import type { DemoSshKeys } from './demo-ssh-keys.ts';

/**
 * The built-in demo SSH target, for machines where a real sshd cannot be used (not root, or
 * no OpenSSH server installed): an ssh2 server that lets the demo user in with the leased key
 * and runs the small DemoShell, for exec requests and for interactive shells with a PTY.
 * Subsystems (sftp) and forwarding are refused here too, but the policy refuses them first.
 */

export interface BuiltinSshServer {
  port: number;
  user: string;
  stop(): Promise<void>;
}

const HOME = `/home/${DEMO_SSH_USER}`;

function demoFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [relative, content] of Object.entries(DEMO_HOME_FILES)) files.set(posix.join(HOME, relative), content);
  files.set('/etc/hostname', `${DEMO_SSH_HOSTNAME}\n`);
  files.set('/etc/os-release', 'PRETTY_NAME="Gatehouse demo target (built-in shell)"\nNAME="gatehouse-demo"\n');
  return files;
}

function newShell(startedAt: number, env: Record<string, string>): DemoShell {
  return new DemoShell({ user: DEMO_SSH_USER, hostname: DEMO_SSH_HOSTNAME, files: demoFiles(), home: HOME, startedAt, env });
}

function toTerminal(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

/** Reads keystrokes, echoes them, and runs each finished line; enough for a person at a terminal. */
function interactive(stream: ServerChannel, shell: DemoShell, terminal: boolean): void {
  let line = '';
  let escape = false;
  const write = (text: string): void => {
    stream.write(terminal ? toTerminal(text) : text);
  };
  const finish = (code: number): void => {
    stream.exit(code);
    stream.end();
  };
  if (terminal) write(`Welcome to ${DEMO_SSH_HOSTNAME} (Gatehouse demo target, built-in shell). Type "help".\n`);
  write(shell.prompt());
  stream.on('data', (data: Buffer) => {
    for (const char of data.toString('utf8')) {
      if (escape) {
        // The rest of an arrow-key or function-key sequence: ignored.
        if (/[A-Za-z~]/.test(char)) escape = false;
        continue;
      }
      if (char === '\x1b') {
        escape = true;
      } else if (char === '\r' || char === '\n') {
        if (terminal) write('\n');
        const result = shell.run(line);
        line = '';
        write(result.output);
        if (result.exit) return finish(result.exitCode);
        write(shell.prompt());
      } else if (char === '\x7f' || char === '\b') {
        if (line.length > 0) {
          line = line.slice(0, -1);
          if (terminal) stream.write('\b \b');
        }
      } else if (char === '\x03') {
        line = '';
        write('^C\n');
        write(shell.prompt());
      } else if (char === '\x04') {
        if (line === '') {
          write('logout\n');
          return finish(0);
        }
      } else if (char >= ' ') {
        line += char;
        if (terminal) stream.write(char);
      }
    }
  });
}

function handleClient(client: Connection, keys: DemoSshKeys, startedAt: number): void {
  const allowed = ssh2.utils.parseKey(keys.clientKeyPublic);
  if (allowed instanceof Error) throw allowed;
  const allowedBlob = allowed.getPublicSSH();
  client.on('authentication', (ctx) => {
    if (ctx.method !== 'publickey' || ctx.username !== DEMO_SSH_USER) return ctx.reject(['publickey']);
    const blob = ctx.key.data;
    if (ctx.key.algo !== allowed.type || blob.length !== allowedBlob.length || !timingSafeEqual(blob, allowedBlob)) return ctx.reject(['publickey']);
    // Without a signature the client only asks whether the key would do.
    if (ctx.signature === undefined) return ctx.accept();
    return allowed.verify(ctx.blob ?? Buffer.alloc(0), ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject(['publickey']);
  });
  client.on('ready', () => {
    client.on('session', (acceptSession) => {
      const session = acceptSession();
      const env: Record<string, string> = {};
      let terminal = false;
      session.on('pty', (accept, _reject, info) => {
        terminal = true;
        env['TERM'] = info.term;
        accept?.();
      });
      session.on('window-change', (accept) => accept?.());
      session.on('env', (accept, _reject, info) => {
        env[info.key] = info.val;
        accept?.();
      });
      session.on('exec', (accept, _reject, info) => {
        const stream = accept();
        const result = newShell(startedAt, env).run(info.command);
        stream.write(terminal ? toTerminal(result.output) : result.output);
        stream.exit(result.exitCode);
        stream.end();
      });
      session.on('shell', (accept) => interactive(accept(), newShell(startedAt, env), terminal));
      session.on('subsystem', (_accept, reject) => reject());
    });
    client.on('request', (_accept, reject) => reject?.());
    client.on('tcpip', (_accept, reject) => reject());
  });
  client.on('error', () => undefined);
}

export async function startBuiltinSshServer(keys: DemoSshKeys, port: number): Promise<BuiltinSshServer> {
  const startedAt = Date.now();
  const server = new ssh2.Server({ hostKeys: [keys.hostKeyPrivate], ident: 'GatehouseDemo_1.0' }, (client) => handleClient(client, keys, startedAt));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, DEMO_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const clients = new Set<Connection>();
  server.on('connection', (client: Connection) => {
    clients.add(client);
    client.once('close', () => clients.delete(client));
  });
  let stopping: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    user: DEMO_SSH_USER,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        for (const client of clients) client.end();
        server.close(() => resolve());
      });
      return stopping;
    },
  };
}
