import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import ssh2 from 'ssh2';
import type { ClientChannel } from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../shared/audit/audit-event.ts';
import { PolicyDocument } from '../../shared/policy/policy-document.ts';
import type { PolicyDocumentInput } from '../../shared/policy/policy-document.ts';
import { AuditSpool, readSpool } from '../../broker/audit/audit-spool.ts';
import { generateListenerKeys } from '../../broker/ssh/listener-keys.ts';
import { parsePinnedHostKey } from '../../broker/ssh/host-key-pin.ts';
import type { RecorderFactory } from '../../broker/ssh/session-recorder.ts';
import type { SshApprovalGate } from '../../broker/ssh/ssh-approval-gate.ts';
import { knownHostsLine } from '../../broker/ssh/ssh-client-config.ts';
import { SshProxy } from '../../broker/ssh/ssh-proxy.ts';
import { startSshProxyFromFlags } from '../../broker/cli/ssh-proxy-command.ts';
import { renderSshConfig } from '../../broker/cli/ssh-config-command.ts';
import { registerExitCleanup, runCommand, trackChild } from '../support/child-processes.ts';
import type { CommandResult } from '../support/child-processes.ts';
import { startSshd, type SshdHandle } from '../support/sshd.ts';

/*
 * The SSH proxy between a real OpenSSH client and a real sshd. sshd allows forwarding, every
 * environment variable and sftp, so whatever is refused here was refused by the proxy.
 */

const LOCAL_USER = 'alice';
const LOCAL_SECRET = 'listener-secret-0123456789';

let sshd: SshdHandle;
const work = mkdtempSync(join(tmpdir(), 'gatehouse-ssh-proxy-'));
const unregisterCleanup = registerExitCleanup(() => rmSync(work, { recursive: true, force: true }));
const keys = generateListenerKeys('test');
const clientKeyFile = join(work, 'client_key');
writeFileSync(clientKeyFile, keys.clientPrivateKey, { mode: 0o600 });

interface Harness {
  proxy: SshProxy;
  port: number;
  knownHosts: string;
  spoolDir: string;
  spool: AuditSpool;
  logs: () => string;
  events: () => Promise<AuditEvent[]>;
  ssh: (args: readonly string[], input?: string) => Promise<CommandResult>;
  sshArgs: (extra?: readonly string[]) => string[];
}

const harnesses: Harness[] = [];

async function startProxy(
  ssh: PolicyDocumentInput['ssh'],
  options: { pin?: string; approvals?: SshApprovalGate; recorders?: RecorderFactory } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(work, 'proxy-'));
  const spoolDir = join(dir, 'spool');
  const spool = await AuditSpool.open(spoolDir);
  let logText = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logText += chunk.toString('utf8');
      done();
    },
  });
  const proxy = new SshProxy({
    listenHost: '127.0.0.1',
    listenPort: 0,
    hostKey: keys.hostKey,
    credentials: { user: LOCAL_USER, password: LOCAL_SECRET, publicKey: keys.clientPublicKey },
    upstream: {
      host: sshd.host,
      port: sshd.port,
      username: sshd.user,
      hostKey: parsePinnedHostKey(options.pin ?? sshd.hostKeyPublic),
      auth: { privateKey: readFileSync(sshd.userKeyFile, 'utf8') },
    },
    policy: PolicyDocument.parse({ version: 1, connection: 'web-1', default: 'block', ssh }),
    actor: { user: 'alice@example.com', kind: 'human', localUser: 'alice' },
    spool,
    approvals: options.approvals ?? null,
    ...(options.recorders === undefined ? {} : { recorders: options.recorders }),
    log: pino({ level: 'debug' }, sink),
  });
  const { port } = await proxy.listen();
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `${knownHostsLine('127.0.0.1', port, proxy.hostKeyPublic)}\n`);
  const sshArgs = (extra: readonly string[] = []): string[] => [
    '-F',
    '/dev/null',
    '-p',
    String(port),
    '-i',
    clientKeyFile,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'LogLevel=ERROR',
    ...extra,
    `${LOCAL_USER}@127.0.0.1`,
  ];
  const harness: Harness = {
    proxy,
    port,
    knownHosts,
    spoolDir,
    spool,
    logs: () => logText,
    events: async () => {
      const events: AuditEvent[] = [];
      for await (const event of readSpool(spoolDir)) events.push(event);
      return events;
    },
    ssh: (args, input) => runCommand('ssh', [...sshArgs(), ...args], input === undefined ? {} : { input }),
    sshArgs,
  };
  harnesses.push(harness);
  return harness;
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  sshd = await startSshd();
});

afterEach(async () => {
  for (const harness of harnesses.splice(0)) {
    await harness.proxy.close();
    await harness.spool.close();
  }
});

afterAll(async () => {
  await sshd?.stop();
  rmSync(work, { recursive: true, force: true });
  unregisterCleanup();
});

describe('ssh proxy: pass-through', () => {
  it('runs a command and returns its output and exit status', async () => {
    const h = await startProxy({});
    const result = await h.ssh(['echo hello; echo oops >&2; exit 3']);
    expect(result.stdout).toBe('hello\n');
    expect(result.stderr).toBe('oops\n');
    expect(result.code).toBe(3);
    const events = await eventually(async () => {
      const all = await h.events();
      return all.some((e) => e.kind === 'ssh_session_end') ? all : undefined;
    });
    expect(events.map((e) => e.kind)).toEqual(['ssh_session_start', 'ssh_exec', 'ssh_session_end']);
    expect(events[1]).toMatchObject({ decision: 'allow', ssh: { request: 'exec', command: 'echo hello; echo oops >&2; exit 3', host: `127.0.0.1:${sshd.port}`, remoteUser: sshd.user } });
    expect(events[2]).toMatchObject({ ssh: { exitStatus: 3 } });
  });

  it('also lets the client log in with the listener secret, and nothing else', async () => {
    const h = await startProxy({});
    const withPassword = await loginWithPassword(h.port, LOCAL_SECRET);
    expect(withPassword).toBe('ok');
    expect(await loginWithPassword(h.port, 'wrong-secret-0123456789')).toBe('refused');
    const otherKey = generateListenerKeys('other');
    const otherKeyFile = join(work, 'other_key');
    writeFileSync(otherKeyFile, otherKey.clientPrivateKey, { mode: 0o600 });
    const args = h.sshArgs().map((arg) => (arg === clientKeyFile ? otherKeyFile : arg));
    const refused = await runCommand('ssh', [...args, 'true']);
    expect(refused.code).toBe(255);
    expect(refused.stderr).toMatch(/Permission denied/);
  });

  it('moves 10 MB byte-exact in both directions', async () => {
    const h = await startProxy({});
    const data = randomBytes(10_000_000);
    const expected = createHash('sha256').update(data).digest('hex');
    const remoteFile = `/tmp/gatehouse-ssh-${process.pid}-${Date.now()}`;
    const up = await runBinary('ssh', [...h.sshArgs(), `cat > ${remoteFile}; sha256sum ${remoteFile}`], data);
    expect(up.code).toBe(0);
    expect(up.stdout.toString('utf8').split(' ')[0]).toBe(expected);
    const down = await runBinary('ssh', [...h.sshArgs(), `cat ${remoteFile}; rm -f ${remoteFile}`], Buffer.alloc(0));
    expect(down.code).toBe(0);
    expect(down.stdout.length).toBe(data.length);
    expect(createHash('sha256').update(down.stdout).digest('hex')).toBe(expected);
  });

  it('drives an interactive shell through a pty', async () => {
    const h = await startProxy({});
    const shell = spawn('ssh', [...h.sshArgs(['-tt'])], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    trackChild(shell, 'ssh -tt');
    let output = '';
    shell.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    shell.stdin.write('export PS1="prompt> "\n');
    shell.stdin.write('echo "sum=$((40 + 2))"; tty\n');
    await eventually(() => (/sum=42/.test(output) && /\/dev\/pts\//.test(output) ? true : undefined));
    shell.stdin.write('exit 7\n');
    const code = await new Promise<number | null>((resolve) => shell.once('exit', (exitCode) => resolve(exitCode)));
    expect(code).toBe(7);
  });

  it('passes the terminal size and resizes to the remote, and records both', async () => {
    const calls: string[] = [];
    let recorded = '';
    const recorders: RecorderFactory = (meta) => {
      calls.push(`meta ${meta.kind} ${meta.user} ${meta.connection} ${meta.host}`);
      return {
        start: (header) => calls.push(`start ${header.width}x${header.height} ${header.env['TERM']}`),
        output: (data) => (recorded += data.toString('utf8')),
        input: () => calls.push('input'),
        resize: (cols, rows) => calls.push(`resize ${cols}x${rows}`),
        marker: (label) => calls.push(`marker ${label}`),
        end: async (status) => {
          calls.push(`end ${status}`);
        },
      };
    };
    const h = await startProxy({}, { recorders });
    const conn = await ssh2Client(h.port);
    try {
      const channel = await new Promise<ClientChannel>((resolve, reject) =>
        conn.shell({ rows: 30, cols: 100, term: 'xterm-256color' }, (error, stream) => (error ? reject(error) : resolve(stream))),
      );
      let output = '';
      channel.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      channel.write('echo "size=$(stty size) term=$TERM"\n');
      await eventually(() => (/size=30 100 term=xterm-256color/.test(output) ? true : undefined));
      channel.setWindow(50, 132, 0, 0);
      // The remote shell sees SIGWINCH and the new size.
      await new Promise((resolve) => setTimeout(resolve, 200));
      channel.write('echo "now=$(stty size)"\n');
      await eventually(() => (/now=50 132/.test(output) ? true : undefined));
      channel.end('exit 4\n');
      await eventually(() => (calls.includes('end 4') ? true : undefined));
    } finally {
      conn.end();
    }
    expect(calls).toEqual([`meta shell alice@example.com web-1 127.0.0.1:${sshd.port}`, 'start 100x30 xterm-256color', 'resize 132x50', 'end 4']);
    expect(recorded).toMatch(/size=30 100 term=xterm-256color/);
    expect(recorded).toMatch(/now=50 132/);
  });
});

async function runBinary(command: string, args: readonly string[], input: Buffer): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  const child = spawn(command, args, { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  trackChild(child, command);
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdin.on('error', () => undefined);
  child.stdin.end(input);
  const code = await new Promise<number>((resolve) => child.once('close', (exitCode) => resolve(exitCode ?? -1)));
  return { code, stdout: Buffer.concat(stdout), stderr };
}

function ssh2Client(port: number, auth: { password: string } | { privateKey: string } = { privateKey: keys.clientPrivateKey }): Promise<ssh2.Client> {
  const pinned = parsePinnedHostKey(keys.hostKeyPublic);
  return new Promise((resolve, reject) => {
    const conn = new ssh2.Client();
    conn.once('ready', () => resolve(conn));
    conn.once('error', reject);
    conn.connect({ host: '127.0.0.1', port, username: LOCAL_USER, hostVerifier: (key: Buffer) => key.equals(pinned.blob), ...auth });
  });
}

async function loginWithPassword(port: number, password: string): Promise<'ok' | 'refused'> {
  try {
    const conn = await ssh2Client(port, { password });
    conn.end();
    return 'ok';
  } catch {
    return 'refused';
  }
}


describe('ssh proxy: policy', () => {
  it('blocks and allows exec commands by rule', async () => {
    const h = await startProxy({
      exec: [
        { name: 'no-rm', match: 'rm -rf *', action: 'block', message: 'ask the storage team' },
        { name: 'restarts', match: 'systemctl restart *', action: 'approve', approvers: ['ops', 'ops-leads'] },
      ],
    });
    const blocked = await h.ssh(['echo first; rm -rf /tmp/nothing-here']);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toBe('');
    expect(blocked.stderr).toContain('gatehouse: blocked by rule "no-rm": ask the storage team');
    const offline = await h.ssh(['systemctl restart nginx']);
    expect(offline.code).toBe(1);
    expect(offline.stderr).toContain('needs approval by ops, ops-leads');
    const allowed = await h.ssh(['echo allowed']);
    expect(allowed).toMatchObject({ code: 0, stdout: 'allowed\n' });
    const execs = await eventually(async () => {
      const found = (await h.events()).filter((e) => e.kind === 'ssh_exec');
      return found.length === 3 ? found : undefined;
    });
    expect(execs.map((e) => [e.decision, e.rule, e.ssh?.command])).toEqual([
      ['block', 'no-rm', 'echo first; rm -rf /tmp/nothing-here'],
      ['block', 'restarts', 'systemctl restart nginx'],
      ['allow', null, 'echo allowed'],
    ]);
  });

  it('holds a command for approval through the gate and runs it once approved', async () => {
    const asked: string[] = [];
    const approvals: SshApprovalGate = {
      requestExec: async (request, progress) => {
        asked.push(`${request.command} by ${request.approvers.join('+')} rule ${request.rule}`);
        progress.pending('req-42');
        await new Promise((resolve) => setTimeout(resolve, 200));
        return request.command.includes('deny')
          ? { approved: false, reason: 'request req-43 was denied by bob: not today', requestId: 'req-43' }
          : { approved: true, reason: 'approved by bob', requestId: 'req-42' };
      },
      requestSession: async () => ({ approved: false, reason: 'unused' }),
    };
    const h = await startProxy({ exec_default: 'approve', exec_default_approval: { approvers: ['ops'] } }, { approvals });
    const approved = await h.ssh(['echo ran']);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toBe('ran\n');
    expect(approved.stderr).toContain('waiting for approval by ops (request req-42)');
    const denied = await h.ssh(['echo deny me']);
    expect(denied.code).toBe(1);
    expect(denied.stdout).toBe('');
    expect(denied.stderr).toContain('denied by bob: not today');
    expect(asked).toEqual(['echo ran by ops rule null', 'echo deny me by ops rule null']);
    const execs = (await h.events()).filter((e) => e.kind === 'ssh_exec');
    expect(execs.map((e) => [e.decision, e.approvalRequestId])).toEqual([
      ['approve', 'req-42'],
      ['block', 'req-43'],
    ]);
  });

  it('waits for a just-in-time session approval and ends the session when the window closes', async () => {
    const approvals: SshApprovalGate = {
      requestExec: async () => ({ approved: false, reason: 'unused' }),
      requestSession: async (request, progress) => {
        expect(request.durationMs).toBe(30 * 60_000);
        progress.pending('jit-7');
        await new Promise((resolve) => setTimeout(resolve, 200));
        return { approved: true, reason: 'approved by bob', requestId: 'jit-7', expiresAt: new Date(Date.now() + 1_500) };
      },
    };
    const h = await startProxy({ session: { approval: { approvers: ['ops'], duration: '30m' } } }, { approvals });
    const started = Date.now();
    const result = await h.ssh(['echo inside; sleep 20']);
    const elapsed = Date.now() - started;
    expect(result.stdout).toBe('inside\n');
    expect(result.stderr).toContain('this session is waiting for approval by ops (request jit-7)');
    expect(result.stderr).toContain('the approved session window has ended');
    expect(result.code).not.toBe(0);
    expect(elapsed).toBeLessThan(5_000);
    const end = await eventually(async () => (await h.events()).find((e) => e.kind === 'ssh_session_end'));
    expect(end).toMatchObject({ approvalRequestId: 'jit-7', ssh: { endReason: 'the approved session window has ended' } });
  });

  it('refuses a session that needs approval when offline, naming the approvers', async () => {
    const h = await startProxy({ session: { approval: { approvers: ['ops', 'security'], duration: '30m' } } });
    const result = await h.ssh(['echo never']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('this session needs approval by ops, security');
  });

  it('filters the environment through the allowlist', async () => {
    const h = await startProxy({ env: { allow: ['LANG', 'LC_*'] } });
    const result = await runCommand('ssh', [...h.sshArgs(['-o', 'SendEnv=LC_FOO', '-o', 'SendEnv=SECRET_X']), 'echo "lc=$LC_FOO secret=$SECRET_X"'], {
      env: { ...process.env, LC_FOO: 'bar', SECRET_X: 's3cret' },
    });
    expect(result).toMatchObject({ code: 0, stdout: 'lc=bar secret=\n' });
  });

  it('ends an idle session', async () => {
    const h = await startProxy({ idle_timeout: '1s' });
    const started = Date.now();
    const result = await h.ssh(['sleep 20']);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(result.stderr).toContain('the session was idle for 1s');
  });

  it('ends a live session within a second of kill()', async () => {
    const h = await startProxy({});
    const child = spawn('ssh', [...h.sshArgs(), 'echo started; sleep 30'], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    trackChild(child, 'ssh sleep');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    await eventually(() => (stdout.includes('started') ? true : undefined));
    const [session] = h.proxy.sessions();
    expect(session).toMatchObject({ user: 'alice@example.com', remoteUser: sshd.user, openChannels: 1 });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const killedAt = Date.now();
    expect(h.proxy.kill(session!.id, 'revoked by the admin')).toBe(true);
    await exited;
    expect(Date.now() - killedAt).toBeLessThan(1_000);
    expect(stderr).toContain('gatehouse: session terminated: revoked by the admin');
    expect(h.proxy.kill(session!.id, 'again')).toBe(false);
    await eventually(() => (h.proxy.sessions().length === 0 ? true : undefined));
    const end = await eventually(async () => (await h.events()).find((e) => e.kind === 'ssh_session_end'));
    expect(end?.ssh?.endReason).toBe('session terminated: revoked by the admin');
  });

  it('runs nothing it cannot audit', async () => {
    const h = await startProxy({});
    await h.spool.close();
    const result = await h.ssh(['echo unaudited']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('gatehouse: the audit spool cannot be written (ESPOOLCLOSED); nothing runs unaudited');
  });

  it('refuses a host whose key does not match the pin, and logs it', async () => {
    const wrong = generateListenerKeys('impostor').hostKeyPublic;
    const h = await startProxy({}, { pin: wrong });
    const result = await h.ssh(['echo should-not-run']);
    expect(result.code).toBe(255);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/upstream host key mismatch for 127\.0\.0\.1:\d+: the pinned key is ssh-ed25519 SHA256:\S+ but the server presented ssh-ed25519 SHA256:/);
    expect(h.logs()).toMatch(/upstream ssh connection refused/);
    expect(h.logs()).toMatch(/host-key-mismatch/);
    const start = (await h.events()).find((e) => e.kind === 'ssh_session_start');
    expect(start).toMatchObject({ decision: 'error' });
  });
});

describe('ssh proxy: file transfer and forwarding', () => {
  function sftpArgs(h: Harness, batchFile: string): string[] {
    const args = h.sshArgs().slice(0, -1);
    // sftp spells the port -P.
    args[args.indexOf('-p')] = '-P';
    return [...args, '-b', batchFile, `${LOCAL_USER}@127.0.0.1`];
  }

  it('denies sftp and scp by default', async () => {
    const h = await startProxy({});
    const local = join(work, 'denied.bin');
    writeFileSync(local, randomBytes(1000));
    const batch = join(work, 'denied.batch');
    writeFileSync(batch, `put ${local} /tmp/gatehouse-denied\n`);
    const sftp = await runCommand('sftp', sftpArgs(h, batch));
    expect(sftp.code).not.toBe(0);
    expect(sftp.stderr).toContain('file transfer (sftp) is not allowed on this connection');
    const scpArgs = sftpArgs(h, batch).filter((arg, i, all) => arg !== '-b' && all[i - 1] !== '-b').slice(0, -1);
    const scp = await runCommand('scp', ['-O', ...scpArgs, local, `${LOCAL_USER}@127.0.0.1:/tmp/gatehouse-denied`]);
    expect(scp.code).not.toBe(0);
    expect(scp.stderr).toContain('file transfers (scp) are not allowed on this connection');
    const execs = (await h.events()).filter((e) => e.kind === 'ssh_exec');
    expect(execs.map((e) => [e.decision, e.ssh?.request, e.ssh?.command])).toEqual([
      ['block', 'subsystem', 'sftp'],
      ['block', 'exec', 'scp -t /tmp/gatehouse-denied'],
    ]);
  });

  it('audits each sftp transfer with its path and size when sftp is allowed', async () => {
    const h = await startProxy({ sftp: { allow: true } });
    const local = join(work, 'upload.bin');
    const data = randomBytes(300_000);
    writeFileSync(local, data);
    const remote = `/tmp/gatehouse-sftp-${process.pid}-${Date.now()}`;
    const back = join(work, 'download.bin');
    const batch = join(work, 'allowed.batch');
    writeFileSync(batch, `put ${local} ${remote}\nget ${remote} ${back}\nrm ${remote}\n`);
    const sftp = await runCommand('sftp', sftpArgs(h, batch));
    expect(sftp.code, sftp.stderr).toBe(0);
    expect(readFileSync(back).equals(data)).toBe(true);
    const transfers = await eventually(async () => {
      const found = (await h.events()).filter((e) => e.kind === 'ssh_transfer');
      return found.length === 3 ? found : undefined;
    });
    expect(transfers.map((e) => e.ssh?.transfer)).toEqual([
      { protocol: 'sftp', op: 'upload', path: remote, bytes: 300_000 },
      { protocol: 'sftp', op: 'download', path: remote, bytes: 300_000 },
      { protocol: 'sftp', op: 'remove', path: remote, bytes: 0 },
    ]);
  });

  it('runs legacy scp when transfers are allowed, and audits it with path and size', async () => {
    const h = await startProxy({ sftp: { allow: true } });
    const local = join(work, 'scp.bin');
    writeFileSync(local, randomBytes(50_000));
    const remote = `/tmp/gatehouse-scp-${process.pid}-${Date.now()}`;
    const batch = join(work, 'unused.batch');
    const scpArgs = sftpArgs(h, batch).filter((arg, i, all) => arg !== '-b' && all[i - 1] !== '-b').slice(0, -1);
    const scp = await runCommand('scp', ['-O', ...scpArgs, local, `${LOCAL_USER}@127.0.0.1:${remote}`]);
    expect(scp.code, scp.stderr).toBe(0);
    const check = await h.ssh([`stat -c %s ${remote}; rm -f ${remote}`]);
    expect(check.stdout).toBe('50000\n');
    const transfer = await eventually(async () => (await h.events()).find((e) => e.kind === 'ssh_transfer'));
    expect(transfer?.ssh?.transfer).toMatchObject({ protocol: 'scp', op: 'upload', path: remote });
    // The scp protocol's own header and acknowledgements ride along with the file's bytes.
    expect(transfer?.ssh?.transfer?.bytes).toBeGreaterThanOrEqual(50_000);
    expect(transfer?.ssh?.transfer?.bytes).toBeLessThan(51_000);
  });

  it('denies port forwarding by default and relays it when allowed', async () => {
    for (const allowed of [false, true]) {
      const h = await startProxy({ port_forwarding: allowed });
      const localPort = await freeLocalPort();
      const child = spawn('ssh', [...h.sshArgs(['-N', '-L', `127.0.0.1:${localPort}:127.0.0.1:${sshd.port}`])], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
      trackChild(child, 'ssh -L');
      try {
        const greeting = await eventually(() => firstBytes(localPort).catch(() => undefined), 5_000);
        if (allowed) expect(greeting).toMatch(/^SSH-2\.0-OpenSSH/);
        else expect(greeting).toBe('');
      } finally {
        child.kill('SIGTERM');
      }
      const forward = await eventually(async () => (await h.events()).find((e) => e.kind === 'ssh_exec' && e.ssh?.request === 'direct-tcpip'));
      expect(forward).toMatchObject({ decision: allowed ? 'allow' : 'block', ssh: { command: `127.0.0.1:${sshd.port}` } });
    }
  });
});

async function freeLocalPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Connects and returns what arrives before the peer closes (or within a second); rejects if nothing listens yet. */
function firstBytes(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let text = '';
    let connected = false;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(text);
    }, 1_000);
    socket.on('connect', () => (connected = true));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (text.includes('\n')) {
        clearTimeout(timer);
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      if (connected) resolve(text);
      else reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (connected) resolve(text);
      else reject(new Error('not listening'));
    });
  });
}

describe('gatehouse proxy ssh (command line)', () => {
  it('starts a listener from flags, prints a working ssh command and a working ~/.ssh/config entry', async () => {
    const stateDir = mkdtempSync(join(work, 'state-'));
    const policyFile = join(work, 'cli-policy.yaml');
    writeFileSync(policyFile, 'version: 1\nconnection: web-cli\ndefault: block\nssh:\n  exec:\n    - { name: no-reboot, match: "reboot*", action: block }\n');
    const started = await startSshProxyFromFlags(
      {
        upstream: `${sshd.user}@127.0.0.1:${sshd.port}`,
        hostKey: sshd.hostKeyPublic,
        identity: sshd.userKeyFile,
        policy: policyFile,
        listen: '127.0.0.1:0',
        auditSpool: join(stateDir, 'spool'),
        name: 'web-cli',
        stateDir,
        maxConnections: '10',
      },
      pino({ level: 'silent' }),
    );
    try {
      expect(started.ready.listening).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(started.ready.ssh).toContain(`-i ${started.ready.identityFile}`);
      const printed = started.ready.ssh.split(' ').slice(1);
      const viaCommand = await runCommand('ssh', ['-F', '/dev/null', '-o', 'BatchMode=yes', ...printed, 'echo via-command']);
      expect(viaCommand).toMatchObject({ code: 0, stdout: 'via-command\n' });
      const config = renderSshConfig(stateDir);
      expect(config).toContain('Host web-cli\n');
      expect(config).toContain('StrictHostKeyChecking yes');
      const configFile = join(stateDir, 'ssh_config');
      writeFileSync(configFile, config);
      const viaConfig = await runCommand('ssh', ['-F', configFile, '-o', 'BatchMode=yes', 'web-cli', 'echo via-config']);
      expect(viaConfig).toMatchObject({ code: 0, stdout: 'via-config\n' });
      const blocked = await runCommand('ssh', ['-F', configFile, '-o', 'BatchMode=yes', 'web-cli', 'reboot now']);
      expect(blocked.code).toBe(1);
      expect(blocked.stderr).toContain('blocked by rule "no-reboot"');
    } finally {
      await started.close();
    }
    expect(renderSshConfig(stateDir)).toMatch(/no Gatehouse SSH listener is running/);
  });
});
