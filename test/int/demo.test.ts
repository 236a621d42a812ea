import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo } from '../../bin/demo/start-demo.ts';
import type { RunningDemo } from '../../bin/demo/start-demo.ts';
import { generateDemoData } from '../../bin/demo/demo-data.ts';
import { ensureDemoSshKeys } from '../../bin/demo/demo-ssh-keys.ts';
import { startBuiltinSshServer } from '../../bin/demo/demo-ssh-server.ts';
import { approvalListSchema } from '../../shared/api/approvals.ts';
import { connectionSummarySchema, policyVersionSchema } from '../../shared/api/connections.ts';
import { parsePolicyText } from '../../shared/policy/parse-policy.ts';
import type { PolicyDocument } from '../../shared/policy/policy-document.ts';
import { maskAllButLast4 } from '../../shared/masking/mask-style.ts';
import { runCommand, stopChild, trackChild } from '../support/child-processes.ts';
import { startConnect } from '../support/gatehouse-connect.ts';
import { gatehouseBin, repoRoot } from '../support/gatehouse-proxy.ts';
import type { RunningConnect } from '../support/gatehouse-connect.ts';
import { signInUser } from '../support/gatehouse-users.ts';
import type { GatehouseUser } from '../support/gatehouse-users.ts';
import { runPsql } from '../support/psql.ts';
import { startPsql } from '../support/streaming-psql.ts';

/*
 * `gatehouse demo` as a newcomer runs it, through startDemo (what the command calls): a real
 * PostgreSQL with the shop data, the demo SSH target, the server with its dev IdP, and the demo
 * connections created through the API. Then alice uses it through `gatehouse connect`, bob
 * approves, the demo restarts on the same data dir and keeps everything, and --reset wipes it.
 */

const REQUEST_ID = /request ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/;
const expected = generateDemoData();

let dataDir: string;
let scratch: string;
let demo: RunningDemo | undefined;
const users: GatehouseUser[] = [];
const connects: RunningConnect[] = [];
let cli: ChildProcess | undefined;

async function api(user: GatehouseUser, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  return apiAt(demo!.serverUrl, user, method, path, body);
}

async function apiAt(serverUrl: string, user: GatehouseUser, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${serverUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${user.tokens.accessToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
}

async function signIn(name: string, serverUrl = demo!.serverUrl): Promise<GatehouseUser> {
  const user = await signInUser(serverUrl, name);
  users.push(user);
  return user;
}

async function policyOf(dave: GatehouseUser, connection: string): Promise<PolicyDocument> {
  const summary = connectionSummarySchema.parse((await api(dave, 'GET', `/v1/connections/${connection}`)).body);
  const version = policyVersionSchema.parse((await api(dave, 'GET', `/v1/connections/${connection}/policies/${summary.policyVersion}`)).body);
  const parsed = parsePolicyText(version.yaml);
  if (!parsed.ok) throw new Error(`the ${connection} policy does not parse: ${JSON.stringify(parsed.errors)}`);
  return parsed.policy;
}

async function psqlAs(connect: RunningConnect, sql: string): Promise<string> {
  const result = await runPsql(connect.url, ['-At', '-F', '|', '-c', sql]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout.trim();
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopDemo(): Promise<void> {
  const running = demo;
  demo = undefined;
  await running?.stop();
  if (running !== undefined) {
    // Only the in-process targets (PGlite, the built-in SSH server) have no process of their own.
    expect(running.postgres.pid === null).toBe(running.postgres.kind === 'pglite');
    expect(running.ssh.pid === null).toBe(running.ssh.mode === 'builtin');
    if (running.postgres.pid !== null) expect(isRunning(running.postgres.pid)).toBe(false);
    if (running.ssh.pid !== null) expect(isRunning(running.ssh.pid)).toBe(false);
    expect(await fetch(`${running.serverUrl}/healthz`).then(() => 'up', () => 'down')).toBe('down');
  }
}

/** The OpenSSH client straight at the demo target, with its host key pinned. */
async function sshDirect(target: { host: string; port: number; user: string; hostKey: string; privateKeyFile: string }, command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const knownHosts = join(scratch, `known_hosts_${target.port}`);
  await writeFile(knownHosts, `[${target.host}]:${target.port} ${target.hostKey}\n`);
  return runCommand('ssh', [
    '-F', '/dev/null', '-p', String(target.port), '-i', target.privateKeyFile,
    '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes',
    `${target.user}@${target.host}`, command,
  ]);
}

interface SshReadyLine {
  listening: string;
  identityFile: string;
  knownHostsFile: string;
}

/** OpenSSH through the local listener `gatehouse connect` opened, with what its ready line gave. */
async function sshThrough(ready: SshReadyLine, user: string, command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCommand('ssh', [
    '-F', '/dev/null', '-p', ready.listening.split(':')[1]!, '-i', ready.identityFile, '-o', 'IdentitiesOnly=yes',
    '-o', `UserKnownHostsFile=${ready.knownHostsFile}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR',
    `${user}@127.0.0.1`, command,
  ]);
}

interface CliDemo {
  child: ChildProcess;
  ready: Omit<RunningDemo, 'stop' | 'summary'>;
  exited: Promise<number | null>;
  stderr(): string;
}

/** `gatehouse demo --json` in the foreground, as a person runs it, up to its ready line. */
async function startCliDemo(args: string[]): Promise<CliDemo> {
  const child = spawn(process.execPath, [gatehouseBin, 'demo', '--no-open', '--json', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  trackChild(child, 'gatehouse demo');
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 90_000;
  while (!out.includes('\n') && child.exitCode === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  expect(out, err).toContain('\n');
  const ready = JSON.parse(out.slice(0, out.indexOf('\n'))) as Omit<RunningDemo, 'stop' | 'summary'>;
  return { child, ready, exited, stderr: () => err };
}

/** SIGINT, not the support code's SIGKILL: the demo must get to stop its database and sshd. */
async function interruptCliDemo(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(child.pid!, 'SIGINT');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
  await stopChild(child);
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-demo-test-'));
  scratch = await mkdtemp(join(tmpdir(), 'gatehouse-demo-scratch-'));
  demo = await startDemo({ dataDir, open: false });
}, 150_000);

afterAll(async () => {
  await interruptCliDemo(cli);
  for (const connect of connects) await connect.stop();
  await demo?.stop();
  for (const user of users) await user.remove();
  await rm(dataDir, { recursive: true, force: true });
  await rm(scratch, { recursive: true, force: true });
});

describe('gatehouse demo', () => {
  let firstOrderStatusAfterApproval: string;

  it('starts the server, the shop database, the SSH target and the connections, and says who to sign in as', async () => {
    const running = demo!;
    expect((await fetch(`${running.serverUrl}/healthz`)).status).toBe(200);
    // PostgreSQL is installed here, so 'auto' runs a real cluster.
    expect(running.postgres).toMatchObject({ kind: 'cluster', loaded: true, customers: 5_000, orders: 20_000, database: 'shop' });
    expect(running.connections).toEqual({ 'demo-postgres': 'created', 'demo-ssh': 'created' });
    expect(running.users.map((u) => [u.username, u.password, u.role])).toEqual([
      ['alice', 'alice-password', 'analyst'],
      ['bob', 'bob-password', 'approver'],
      ['erin', 'erin-password', 'approver'],
      ['carol', 'carol-password', 'auditor'],
      ['dave', 'dave-password', 'admin'],
    ]);
    for (const user of running.users) expect(running.summary).toContain(`${user.username} / ${user.password}`);
    // No UI binary here: either `gatehouse ui` gave an address, or the demo says why there is none.
    if (running.app.kind === 'browser') {
      expect(running.uiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      expect((await fetch(running.uiUrl!)).status).toBe(200);
    } else {
      expect(running.app.note).toMatch(/gatehouse ui/);
    }
  });

  it('creates demo-postgres and demo-ssh through the API, with the demo policies', async () => {
    const dave = await signIn('dave');
    const postgres = connectionSummarySchema.parse((await api(dave, 'GET', '/v1/connections/demo-postgres')).body);
    expect(postgres).toMatchObject({ kind: 'postgres', allowedGroups: ['analysts'], target: { host: '127.0.0.1', port: demo!.postgres.port, database: 'shop', user: 'shop_app', sslmode: 'verify-full' } });
    const pgPolicy = await policyOf(dave, 'demo-postgres');
    expect(pgPolicy.masking.columns).toEqual({
      'public.customers.email': 'partial',
      'public.customers.phone': 'last4',
      'public.customers.card_number': 'last4',
      'public.customers.iban': 'redact',
    });
    expect(pgPolicy.rules.map((r) => [r.name, r.when.class, r.action, r.approvers])).toEqual([
      ['no-ddl', ['ddl'], 'block', undefined],
      ['no-dangerous', ['dangerous'], 'block', undefined],
      ['reads', ['read', 'control'], 'allow', undefined],
      ['writes-need-approval', ['write'], 'approve', ['db-approvers']],
      ['everything-else', ['unknown'], 'block', undefined],
    ]);

    const ssh = connectionSummarySchema.parse((await api(dave, 'GET', '/v1/connections/demo-ssh')).body);
    expect(ssh).toMatchObject({ kind: 'ssh', target: { host: '127.0.0.1', port: demo!.ssh.port, user: demo!.ssh.user, hostKey: demo!.ssh.hostKey } });
    const sshPolicy = (await policyOf(dave, 'demo-ssh')).ssh;
    expect(sshPolicy?.sftp.allow).toBe(false);
    expect(sshPolicy?.port_forwarding).toBe(false);
    expect(sshPolicy?.exec.map((rule) => [rule.name, rule.action])).toEqual([
      ['no-destructive', 'block'],
      ['no-root', 'block'],
      ['restarts-need-approval', 'approve'],
    ]);
  });

  it('alice sees masked personal data through gatehouse connect; DDL is blocked; her write waits for bob', async () => {
    const alice = await signIn('alice');
    const bob = await signIn('bob');
    const connect = await startConnect('demo-postgres', ['--audit-spool', join(scratch, 'alice-spool')], alice.env);
    connects.push(connect);

    const rows = (await psqlAs(connect, 'select id, email, phone, card_number, iban from customers where id in (2, 3) order by id')).split('\n');
    const [two, three] = [expected.customers[1]!, expected.customers[2]!];
    expect(rows).toEqual([
      `2|${two.email[0]}***@${two.email.split('@')[1]}|${maskAllButLast4(two.phone)}|${maskAllButLast4(two.cardNumber)}|[REDACTED]`,
      `3|${three.email[0]}***@${three.email.split('@')[1]}|${maskAllButLast4(three.phone)}|${maskAllButLast4(three.cardNumber)}|[REDACTED]`,
    ]);
    expect(rows.join('\n')).not.toContain(two.email);
    expect(await psqlAs(connect, 'select count(*) from customers')).toBe('5000');

    const ddl = await runPsql(connect.url, ['-c', 'drop table orders']);
    expect(ddl.code).not.toBe(0);
    expect(ddl.stderr).toMatch(/gatehouse: .*no-ddl/);

    const held = startPsql(connect.url, "update orders set status = 'cancelled' where id = 1");
    const requestId = (await held.waitForStderr(REQUEST_ID))[1]!;
    expect(held.stderr()).toMatch(/held for approval by db-approvers/);
    expect(held.child.exitCode).toBeNull();
    const inbox = approvalListSchema.parse((await api(bob, 'GET', '/v1/approvals/inbox')).body).requests;
    expect(inbox.find((r) => r.id === requestId)).toMatchObject({ state: 'pending', requester: 'alice', connection: 'demo-postgres' });

    const decided = await api(bob, 'POST', `/v1/approvals/${requestId}/decision`, { decision: 'approve', comment: 'demo test' });
    expect(decided.status).toBe(200);
    const done = await held.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout.trim()).toBe('UPDATE 1');
    firstOrderStatusAfterApproval = await psqlAs(connect, 'select status from orders where id = 1');
    expect(firstOrderStatusAfterApproval).toBe('cancelled');
    expect(expected.orders[0]!.status).not.toBe('cancelled');
  });

  it('the SSH target takes the leased key and pins its host key', async () => {
    const result = await sshDirect(demo!.ssh, 'whoami; grep -c WARN logs/app.log');
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`${demo!.ssh.user}\n13\n`);
    expect(result.code).toBe(0);
  });

  it('alice reaches demo-ssh through gatehouse connect: commands run and are recorded, rm -rf is blocked', async () => {
    const alice = users.find((u) => u.name === 'alice')!;
    const carol = await signIn('carol');
    const connect = await startConnect(
      'demo-ssh',
      ['--audit-spool', join(scratch, 'alice-ssh-spool'), '--recording-spool', join(scratch, 'alice-recordings'), '--state-dir', join(scratch, 'alice-ssh-state')],
      alice.env,
    );
    connects.push(connect);
    const ready = connect.ready as unknown as SshReadyLine;
    const ssh = (command: string): ReturnType<typeof runCommand> => sshThrough(ready, demo!.ssh.user, command);

    const allowed = await ssh('hostname >/dev/null && grep -c WARN logs/app.log');
    expect(allowed.stdout, allowed.stderr).toBe('13\n');
    expect(allowed.code).toBe(0);
    const blocked = await ssh('rm -rf app');
    expect(blocked.code).not.toBe(0);
    expect(blocked.stderr).toMatch(/destructive commands are blocked|no-destructive/);
    // The policy refused it before it reached the host: the files are still there.
    expect((await sshDirect(demo!.ssh, 'ls app')).stdout).toBe('config.yml\n');

    const deadline = Date.now() + 20_000;
    let recordings: Array<{ connection: string; user: string }> = [];
    while (recordings.length === 0 && Date.now() < deadline) {
      const listed = await api(carol, 'GET', '/v1/recordings?connection=demo-ssh');
      recordings = (listed.body as { recordings: Array<{ connection: string; user: string }> }).recordings;
      if (recordings.length === 0) await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(recordings[0]).toMatchObject({ connection: 'demo-ssh' });
  });

  it('the built-in SSH target (for machines without sshd) runs the demo shell for OpenSSH clients', async () => {
    const keys = await ensureDemoSshKeys(join(scratch, 'builtin-ssh'));
    const server = await startBuiltinSshServer(keys, 0);
    try {
      const target = { host: '127.0.0.1', port: server.port, user: server.user, hostKey: keys.hostKeyPublic, privateKeyFile: keys.clientKeyFile };
      const result = await sshDirect(target, 'whoami && cat app/config.yml | grep -c shop; nosuch');
      expect(result.stdout).toBe(`${server.user}\n4\nnosuch: command not found\n`);
      expect(result.code).toBe(127);
    } finally {
      await server.stop();
    }
  });

  it('keeps its data across a restart on the same data dir', async () => {
    const [alice, dave] = users.filter((u) => u.name === 'alice' || u.name === 'dave').sort((a, b) => a.name.localeCompare(b.name));
    const before = demo!;
    const created = await api(dave!, 'POST', '/v1/connections', {
      name: 'made-before-restart',
      kind: 'postgres',
      target: { host: '127.0.0.1', port: before.postgres.port, database: 'shop', user: 'shop_app', sslmode: 'require', caPem: null },
      credential: { kind: 'password', password: 'not-the-real-one' },
      allowedGroups: ['analysts'],
      policyYaml: 'version: 1\nconnection: made-before-restart\ndefault: block\n',
    });
    expect(created.status).toBe(201);
    for (const connect of connects.splice(0)) await connect.stop();
    await stopDemo();

    // The built-in SSH target this time (what machines without root or sshd get): same keys, same port.
    demo = await startDemo({ dataDir, open: false, ssh: 'builtin', app: false });
    expect(demo.serverUrl).toBe(before.serverUrl);
    expect(demo.postgres).toMatchObject({ port: before.postgres.port, loaded: false, customers: 5_000, orders: 20_000 });
    expect(demo.ssh).toMatchObject({ port: before.ssh.port, hostKey: before.ssh.hostKey });
    expect(demo.connections).toEqual({ 'demo-postgres': 'kept', 'demo-ssh': 'kept' });
    await dave!.relogin(demo.serverUrl);
    await alice!.relogin(demo.serverUrl);
    expect((await api(dave!, 'GET', '/v1/connections/made-before-restart')).status).toBe(200);

    const connect = await startConnect('demo-postgres', ['--audit-spool', join(scratch, 'alice-spool-2')], alice!.env);
    connects.push(connect);
    expect(await psqlAs(connect, 'select count(*) from customers')).toBe('5000');
    expect(await psqlAs(connect, 'select status from orders where id = 1')).toBe(firstOrderStatusAfterApproval);

    expect(demo.ssh.mode).toBe('builtin');
    const sshConnect = await startConnect(
      'demo-ssh',
      ['--audit-spool', join(scratch, 'alice-ssh-spool-2'), '--recording-spool', join(scratch, 'alice-recordings-2'), '--state-dir', join(scratch, 'alice-ssh-state-2')],
      alice!.env,
    );
    connects.push(sshConnect);
    const ready = sshConnect.ready as unknown as SshReadyLine;
    const result = await sshThrough(ready, demo.ssh.user, 'whoami && grep -c WARN logs/app.log');
    expect(result.stdout, result.stderr).toBe(`${demo.ssh.user}\n13\n`);
  });

  it('--reset starts clean', async () => {
    const dave = users.find((u) => u.name === 'dave')!;
    for (const connect of connects.splice(0)) await connect.stop();
    await stopDemo();
    demo = await startDemo({ dataDir, open: false, reset: true, app: false });
    expect(demo.postgres).toMatchObject({ loaded: true, customers: 5_000, orders: 20_000 });
    expect(demo.connections).toEqual({ 'demo-postgres': 'created', 'demo-ssh': 'created' });
    await dave.relogin(demo.serverUrl);
    expect((await api(dave, 'GET', '/v1/connections/made-before-restart')).status).toBe(404);
    const audit = await api(dave, 'GET', '/v1/connections');
    expect((audit.body as Array<{ name: string }>).map((c) => c.name).sort()).toEqual(['demo-postgres', 'demo-ssh']);
  });

  it('`gatehouse demo` runs the same in the foreground and Ctrl-C stops every process it started', async () => {
    await stopDemo();
    const started = await startCliDemo(['--data-dir', dataDir]);
    const { child, ready } = started;
    cli = child;
    expect(ready.connections).toEqual({ 'demo-postgres': 'kept', 'demo-ssh': 'kept' });
    expect(ready.postgres).toMatchObject({ kind: 'cluster', loaded: false, customers: 5_000 });
    const postmaster = ready.postgres.pid!;
    expect(isRunning(postmaster)).toBe(true);
    expect((await fetch(`${ready.serverUrl}/healthz`)).status).toBe(200);

    process.kill(child.pid!, 'SIGINT');
    expect(await started.exited).toBe(0);
    expect(started.stderr()).toContain('Stopping the demo');
    expect(isRunning(postmaster)).toBe(false);
    expect(ready.ssh.pid === null).toBe(ready.ssh.mode === 'builtin');
    if (ready.ssh.pid !== null) expect(isRunning(ready.ssh.pid)).toBe(false);
    if (ready.app.pid !== null) expect(isRunning(ready.app.pid)).toBe(false);
  });
});

describe('gatehouse demo on embedded PGlite (for machines without PostgreSQL)', () => {
  let pgliteDataDir: string;
  let running: RunningDemo | undefined;
  let restarted: ChildProcess | undefined;
  const pgliteConnects: RunningConnect[] = [];
  let alice: GatehouseUser;
  let statusAfterApproval: string;

  beforeAll(async () => {
    pgliteDataDir = await mkdtemp(join(tmpdir(), 'gatehouse-demo-pglite-'));
    running = await startDemo({ dataDir: pgliteDataDir, open: false, app: false, ssh: 'builtin', postgres: 'pglite' });
  }, 150_000);

  afterAll(async () => {
    await interruptCliDemo(restarted);
    for (const connect of pgliteConnects) await connect.stop();
    await running?.stop();
    await rm(pgliteDataDir, { recursive: true, force: true });
  });

  function maskedEmail(id: number): string {
    const email = expected.customers[id - 1]!.email;
    return `${email[0]}***@${email.split('@')[1]}`;
  }

  it('serves the shop data from PGlite over the wire, says so, and points demo-postgres at it', async () => {
    const demoNow = running!;
    expect(demoNow.postgres).toMatchObject({ kind: 'pglite', pid: null, loaded: true, customers: 5_000, orders: 20_000, database: 'shop', user: 'shop_app' });
    expect(demoNow.summary).toMatch(/PostgreSQL {2}127\.0\.0\.1:\d+\/shop, 5000 customers .*embedded PGlite [\d.]+ \(PostgreSQL \d+/);
    const dave = await signIn('dave', demoNow.serverUrl);
    const summary = connectionSummarySchema.parse((await apiAt(demoNow.serverUrl, dave, 'GET', '/v1/connections/demo-postgres')).body);
    expect(summary.target).toEqual({ host: '127.0.0.1', port: demoNow.postgres.port, database: 'shop', user: 'shop_app', sslmode: 'disable', caPem: null, requireAuth: ['scram-sha-256'] });
  });

  it('alice sees masked e-mails through gatehouse connect, inside a transaction too; her write runs once bob approves', async () => {
    const demoNow = running!;
    alice = await signIn('alice', demoNow.serverUrl);
    const bob = await signIn('bob', demoNow.serverUrl);
    const connect = await startConnect('demo-postgres', ['--audit-spool', join(scratch, 'pglite-alice-spool')], alice.env);
    pgliteConnects.push(connect);

    // First statement of this broker: its catalog lookups run while alice's transaction is open
    // in PGlite's only backend.
    const inTransaction = await runPsql(connect.url, ['-At', '-q'], { input: 'begin;\nselect email from customers where id = 4;\ncommit;\n' });
    expect(inTransaction.stderr).toBe('');
    expect(inTransaction.stdout.trim()).toBe(maskedEmail(4));
    // The wire server's log says the lookups did run inside that transaction (lines are written asynchronously).
    const interleaved = /batch run read-only inside connection \d+'s open transaction/;
    let wireLog = '';
    for (let attempt = 0; attempt < 20 && !interleaved.test(wireLog); attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      wireLog = await readFile(join(pgliteDataDir, 'pglite-wire.log'), 'utf8');
    }
    expect(wireLog).toMatch(interleaved);

    const rows = (await psqlAs(connect, 'select id, email from customers where id in (2, 3) order by id')).split('\n');
    expect(rows).toEqual([`2|${maskedEmail(2)}`, `3|${maskedEmail(3)}`]);
    expect(rows.join('\n')).not.toContain(expected.customers[1]!.email);

    const held = startPsql(connect.url, "update orders set status = 'cancelled' where id = 1");
    const requestId = (await held.waitForStderr(REQUEST_ID))[1]!;
    expect(held.child.exitCode).toBeNull();
    // Still held: the row is unchanged until bob decides.
    expect(await psqlAs(connect, 'select status from orders where id = 1')).toBe(expected.orders[0]!.status);
    const decided = await apiAt(demoNow.serverUrl, bob, 'POST', `/v1/approvals/${requestId}/decision`, { decision: 'approve', comment: 'pglite demo test' });
    expect(decided.status).toBe(200);
    const done = await held.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout.trim()).toBe('UPDATE 1');
    statusAfterApproval = await psqlAs(connect, 'select status from orders where id = 1');
    expect(statusAfterApproval).toBe('cancelled');
    expect(expected.orders[0]!.status).not.toBe('cancelled');
  });

  it('keeps the data across a restart, through `gatehouse demo --postgres-target pglite`', async () => {
    for (const connect of pgliteConnects.splice(0)) await connect.stop();
    const before = running!;
    running = undefined;
    await before.stop();
    expect(await fetch(`${before.serverUrl}/healthz`).then(() => 'up', () => 'down')).toBe('down');

    const started = await startCliDemo(['--data-dir', pgliteDataDir, '--postgres-target', 'pglite', '--ssh-target', 'builtin']);
    restarted = started.child;
    const { ready } = started;
    expect(ready.postgres).toMatchObject({ kind: 'pglite', pid: null, port: before.postgres.port, loaded: false, customers: 5_000, orders: 20_000 });
    expect(ready.connections).toEqual({ 'demo-postgres': 'kept', 'demo-ssh': 'kept' });
    await alice.relogin(ready.serverUrl);
    const connect = await startConnect('demo-postgres', ['--audit-spool', join(scratch, 'pglite-alice-spool-2')], alice.env);
    pgliteConnects.push(connect);
    expect(await psqlAs(connect, 'select status from orders where id = 1')).toBe(statusAfterApproval);
    expect(await psqlAs(connect, 'select email from customers where id = 2')).toBe(maskedEmail(2));
    await connect.stop();
    pgliteConnects.splice(0);

    process.kill(restarted.pid!, 'SIGINT');
    expect(await started.exited).toBe(0);
    // The wire server went with it.
    const refused = await runPsql(`postgresql://shop_app@127.0.0.1:${ready.postgres.port}/shop`, ['-c', 'select 1']);
    expect(refused.stderr).toMatch(/Connection refused/);
  });
});
