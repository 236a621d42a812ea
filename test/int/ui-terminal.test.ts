import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../../shared/api/approvals.ts';
import type { LiveSession } from '../../shared/api/sessions.ts';
import { recordingListSchema } from '../../shared/api/recordings.ts';
import { TERMINAL_FLOW_WINDOW_BYTES, type TerminalEvent } from '../../shared/bridge/terminal-bridge.ts';
import { BridgeCallFailed, BridgeWsClient } from '../support/bridge-ws-client.ts';
import { followAuthorization } from '../support/dev-idp.ts';
import { startGatehouseUi, type RunningGatehouseUi } from '../support/gatehouse-ui.ts';
import { signInUser, type GatehouseUser } from '../support/gatehouse-users.ts';
import { startServerProcess, type RunningServerProcess } from '../support/server-process.ts';
import { startSshd, type SshdHandle } from '../support/sshd.ts';
import { eventually } from '../support/eventually.ts';

/*
 * In-app terminals end to end, nothing stubbed: the server with its dev IdP as its own process,
 * Debian's sshd, and `gatehouse ui` for alice driven over its WebSocket bridge as the renderer
 * drives it. The broker opens the connection's SSH listener itself and logs in to it; bob
 * approves a JIT session, carol kills one, dave edits the policy through the admin methods.
 */

const SECRETS_KEY = randomBytes(32).toString('hex');
const FLOOD_BYTES = 50_000_000;
/** What may arrive past the window: the chunk that crossed it, and one event's worth batched with it. */
const FLOW_SLACK_BYTES = 128 * 1024;

type Name = 'bob' | 'carol' | 'dave';

let server: RunningServerProcess;
let sshd: SshdHandle;
let work: string;
let ui: RunningGatehouseUi;
let alice: BridgeWsClient;
const users = {} as Record<Name, GatehouseUser>;

async function api<T = unknown>(user: Name, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${users[user].tokens.accessToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function createSshConnection(name: string, ssh: string): Promise<void> {
  const created = await api('dave', 'POST', '/v1/connections', {
    name,
    kind: 'ssh',
    description: 'issue 7 terminal host',
    target: { host: sshd.host, port: sshd.port, user: sshd.user, hostKey: sshd.hostKeyPublic },
    credential: { kind: 'private-key', privateKeyPem: readFileSync(sshd.userKeyFile, 'utf8') },
    allowedGroups: ['analysts'],
    policyYaml: `version: 1\nconnection: ${name}\ndefault: block\naudit: durable\nssh:\n${ssh}`,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
}

/** session.signIn, the dev IdP's login form, then the broker's loopback redirect. */
async function signIn(client: BridgeWsClient, name: string): Promise<void> {
  const from = client.events.length;
  await client.call('session.setServer', { url: server.url });
  const started = await client.call('session.signIn', {});
  const page = await fetch(await followAuthorization(started.authorizationUrl, name, `${name}-password`));
  expect(page.status).toBe(200);
  await client.waitFor('session.changed', (s) => s.signedIn && s.user?.name === name, { from });
}

/** One terminal as the renderer sees it: its events in order, its output decoded, acks sent as it "renders". */
class TerminalView {
  readonly events: TerminalEvent[] = [];
  received = 0;
  acknowledged = 0;
  private tail = '';
  private cursor: number;

  constructor(
    readonly id: string,
    from: number,
    private autoAck: boolean,
  ) {
    this.cursor = from;
  }

  /** Takes in the events that arrived since the last look. */
  update(): void {
    const fresh = alice.eventsOf('terminal.event', this.cursor);
    this.cursor = alice.events.length;
    for (const event of fresh.filter((e) => e.terminalId === this.id)) {
      this.events.push(event);
      if (event.kind !== 'output') continue;
      const bytes = Buffer.from(event.data, 'base64');
      expect(bytes.length).toBe(event.bytes);
      this.received += bytes.length;
      this.tail = (this.tail + bytes.toString('latin1')).slice(-64 * 1024);
    }
    if (this.autoAck) this.ackAll();
  }

  ackAll(): void {
    if (this.received > this.acknowledged) alice.ack(this.id, this.received - this.acknowledged);
    this.acknowledged = this.received;
  }

  setAutoAck(on: boolean): void {
    this.autoAck = on;
  }

  text(): string {
    this.update();
    return this.tail;
  }

  closed(): Extract<TerminalEvent, { kind: 'closed' }> | undefined {
    this.update();
    return this.events.find((e): e is Extract<TerminalEvent, { kind: 'closed' }> => e.kind === 'closed');
  }

  async waitForText(pattern: RegExp, ms = 15_000): Promise<RegExpExecArray> {
    try {
      return await eventually(`${pattern} in terminal ${this.id}`, () => pattern.exec(this.text()) ?? undefined, ms, 50);
    } catch (err) {
      throw new Error(`${(err as Error).message}; the screen ends with ${JSON.stringify(this.tail.slice(-300))}; events: ${JSON.stringify(this.events.filter((e) => e.kind !== 'output'))}`);
    }
  }

  waitForClosed(ms = 15_000): Promise<Extract<TerminalEvent, { kind: 'closed' }>> {
    return eventually(`terminal ${this.id} to close`, () => this.closed(), ms, 50);
  }

  type(data: string): Promise<unknown> {
    return alice.call('terminal.input', { terminalId: this.id, data });
  }
}

async function openTerminal(connection: string, opts: { cols?: number; rows?: number; autoAck?: boolean } = {}): Promise<TerminalView> {
  const from = alice.events.length;
  const opened = await alice.call('terminal.open', { connection, cols: opts.cols ?? 80, rows: opts.rows ?? 24 });
  expect(opened.recorded).toBe(true);
  return new TerminalView(opened.terminalId, from, opts.autoAck ?? true);
}

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? Number.NaN) * 1024;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gatehouse-ui-terminal-'));
  [server, sshd] = await Promise.all([
    startServerProcess(['--dev-idp', '--listen', '127.0.0.1:0', '--data-dir', join(work, 'server')], { GATEHOUSE_SECRETS_KEY: SECRETS_KEY }),
    startSshd(),
  ]);
  for (const name of ['bob', 'carol', 'dave'] as const) users[name] = await signInUser(server.url, name);
  await createSshConnection('box', '  exec_default: allow\n');
  await createSshConnection('box-jit', '  session:\n    approval: { approvers: [db-approvers], duration: 60s }\n');
  ui = await startGatehouseUi('alice');
  alice = await BridgeWsClient.connect(ui.bridgeUrl, ui.origin);
  await signIn(alice, 'alice');
}, 180_000);

afterAll(async () => {
  alice?.close();
  await ui?.stop();
  await server?.stop();
  await sshd?.stop();
  for (const user of Object.values(users)) await user.remove();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('gatehouse ui: terminals', () => {
  let firstTerminalSession: string | undefined;

  it('opens a recorded shell, runs a command, resizes, and reports the exit status', async () => {
    const terminal = await openTerminal('box', { cols: 80, rows: 24 });
    await eventually('the opened event', () => {
      terminal.update();
      return terminal.events.find((e) => e.kind === 'opened');
    });
    expect(terminal.events[0]).toEqual({ kind: 'opened', terminalId: terminal.id, recorded: true });

    await terminal.type('echo "TERM=$TERM" hello-$((6*7))\r');
    await terminal.waitForText(/TERM=xterm-256color hello-42/);
    await terminal.type('stty size\r');
    await terminal.waitForText(/[\r\n]24 80\r\n/);
    await alice.call('terminal.resize', { terminalId: terminal.id, cols: 132, rows: 41 });
    await terminal.type('stty size\r');
    await terminal.waitForText(/[\r\n]41 132\r\n/);

    // The listener the terminal went through is the connection's local port, with its ssh command.
    const port = await alice.call('connections.openLocalPort', { connection: 'box' });
    expect(port).toMatchObject({ connection: 'box', kind: 'ssh', listening: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    expect(port.command).toContain(`-p ${port.listening.split(':')[1]}`);
    expect(port.url).toBe(port.command);
    expect((await alice.call('connections.list', {})).connections.find((c) => c.name === 'box')).toMatchObject({ kind: 'ssh', open: true });

    const live = await eventually('alice’s live session', async () => {
      const sessions = (await api<{ sessions: LiveSession[] }>('carol', 'GET', '/v1/sessions')).body.sessions;
      return sessions.find((s) => s.user === 'alice' && s.connection === 'box');
    });
    firstTerminalSession = live.sessionId;

    await terminal.type('exit\r');
    expect(await terminal.waitForClosed()).toEqual({ kind: 'closed', terminalId: terminal.id, reason: 'exited', message: 'the shell exited with status 0', exitStatus: 0 });
    await expect(alice.call('terminal.input', { terminalId: terminal.id, data: 'x' })).rejects.toMatchObject({ error: { code: 'not-found' } });
  });

  it('downloads the recording of that terminal as an asciicast and as an evidence bundle', async () => {
    expect(firstTerminalSession).toBeDefined();
    const recording = await eventually('the finished recording', async () => {
      const list = recordingListSchema.parse(await alice.call('recordings.get', { path: '?connection=box' }));
      return list.recordings.find((r) => r.brokerSessionId === firstTerminalSession && r.complete);
    });
    const cast = await alice.call('recordings.download', { id: recording.id, format: 'cast' });
    expect(cast.filename).toBe(`gatehouse-recording-${recording.id}.cast`);
    const text = Buffer.from(cast.base64, 'base64').toString('utf8');
    expect(cast.bytes).toBe(Buffer.byteLength(text));
    const [header, ...events] = text.split('\n').filter((l) => l !== '');
    expect(JSON.parse(header!)).toMatchObject({ version: 2, width: 80, height: 24 });
    expect(events.map((e) => JSON.parse(e) as [number, string, string]).filter(([, code]) => code === 'o').map(([, , data]) => data).join('')).toContain('hello-42');
    expect(events.some((e) => /"r","132x41"/.test(e))).toBe(true);

    const evidence = await alice.call('recordings.download', { id: recording.id, format: 'evidence' });
    expect(evidence.filename).toBe(`gatehouse-evidence-${recording.id}.tar`);
    const tar = Buffer.from(evidence.base64, 'base64');
    // A ustar archive: the first member's name, then the magic at offset 257.
    expect(tar.subarray(257, 262).toString('latin1')).toBe('ustar');
    expect(tar.toString('latin1')).toContain('recording.cast');
    await expect(alice.call('recordings.download', { id: randomUUID(), format: 'cast' })).rejects.toMatchObject({ error: { code: 'not-found' } });
  });

  it('pauses a `yes` flood at the window while nothing is acknowledged, and carries on as acks arrive', async () => {
    const terminal = await openTerminal('box', { autoAck: true });
    await terminal.type('echo ready-$((1+2))\r');
    await terminal.waitForText(/ready-3/);
    terminal.setAutoAck(false);
    const before = terminal.received;
    await terminal.type(`yes | head -c ${FLOOD_BYTES}\r`);
    // Output stops by itself once a window is unacknowledged.
    let last = -1;
    await eventually(
      'the flood to stop without acks',
      async () => {
        terminal.update();
        const now = terminal.received;
        const still = now === last && now - before > TERMINAL_FLOW_WINDOW_BYTES / 2;
        last = now;
        return still ? true : undefined;
      },
      20_000,
      750,
    );
    const paused = terminal.received - terminal.acknowledged;
    expect(paused).toBeGreaterThan(TERMINAL_FLOW_WINDOW_BYTES);
    expect(paused).toBeLessThanOrEqual(TERMINAL_FLOW_WINDOW_BYTES + FLOW_SLACK_BYTES);
    // Nothing moves and the broker does not grow while the renderer is behind.
    const rssPaused = rssBytes(ui.pid);
    await sleep(2_000);
    terminal.update();
    expect(terminal.received - terminal.acknowledged).toBe(paused);
    expect(rssBytes(ui.pid) - rssPaused).toBeLessThan(32 * 1024 * 1024);

    // Acknowledging resumes it: several windows' worth moves, each step bounded by the window.
    const resumedFrom = terminal.received;
    for (let step = 0; terminal.received - resumedFrom < 8 * TERMINAL_FLOW_WINDOW_BYTES; step++) {
      expect(step).toBeLessThan(400);
      terminal.ackAll();
      await sleep(25);
      terminal.update();
      expect(terminal.received - terminal.acknowledged).toBeLessThanOrEqual(TERMINAL_FLOW_WINDOW_BYTES + FLOW_SLACK_BYTES);
    }
    expect(terminal.received).toBeLessThan(FLOOD_BYTES);
    // Stop the flood, drain what is left with acks, and the shell answers again.
    terminal.setAutoAck(true);
    terminal.ackAll();
    await terminal.type('\x03');
    await terminal.type('echo after-flood-$((1+1))\r');
    await terminal.waitForText(/after-flood-2/, 30_000);
    await alice.call('terminal.close', { terminalId: terminal.id });
    expect(await terminal.waitForClosed()).toMatchObject({ reason: 'exited', message: 'the terminal was closed' });
  }, 90_000);

  it('says killed, with the reason, when an auditor kills the session on the server', async () => {
    const liveNow = async (): Promise<LiveSession[]> => (await api<{ sessions: LiveSession[] }>('carol', 'GET', '/v1/sessions')).body.sessions;
    const known = new Set((await liveNow()).map((s) => s.sessionId));
    const terminal = await openTerminal('box');
    await terminal.type('echo kill-me-$((2+3))\r');
    await terminal.waitForText(/kill-me-5/);
    const live = await eventually('the live session', async () => (await liveNow()).find((s) => s.user === 'alice' && s.connection === 'box' && !known.has(s.sessionId)));
    const killed = await api('carol', 'POST', `/v1/sessions/${live.sessionId}/kill`, { reason: 'incident 7' });
    expect(killed.status, JSON.stringify(killed.body)).toBe(200);
    const closed = await terminal.waitForClosed(10_000);
    expect(closed).toMatchObject({ reason: 'killed', exitStatus: null });
    expect(closed.message).toContain('incident 7');
    expect(closed.message).toContain('carol');
  });

  it('waits for a JIT session approval, shows the request, and opens the shell once bob approves', async () => {
    const terminal = await openTerminal('box-jit');
    const waiting = await eventually('the waiting event', () => {
      terminal.update();
      return terminal.events.find((e): e is Extract<TerminalEvent, { kind: 'waiting' }> => e.kind === 'waiting');
    });
    expect(waiting.request).toMatchObject({ state: 'pending', connection: 'box-jit', requesterName: 'alice', scope: { kind: 'session', durationMs: 60_000 }, approverGroups: ['db-approvers'] });
    await terminal.type('echo jit-$((40+2))\r');
    await sleep(500);
    expect(terminal.text()).not.toContain('jit-42');
    const decided = await api<ApprovalRequest>('bob', 'POST', `/v1/approvals/${waiting.request.id}/decision`, { decision: 'approve', comment: 'go ahead' });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    // Typed while waiting, run once approved.
    await terminal.waitForText(/jit-42/, 15_000);
    await terminal.type('exit 3\r');
    expect(await terminal.waitForClosed()).toMatchObject({ reason: 'exited', exitStatus: 3 });
  });

  it('says refused when the approver denies the session', async () => {
    // The approved window still covers new sessions of this listener, so this one runs at once.
    const terminal = await openTerminal('box-jit');
    await terminal.type('echo window-$((3*3))\r');
    await terminal.waitForText(/window-9/);
    // A new listener asks again: closing the local port ends its terminals first, as lost.
    await alice.call('connections.closeLocalPort', { connection: 'box-jit' });
    const reopened = await openTerminal('box-jit');
    expect(await terminal.waitForClosed()).toMatchObject({ reason: 'lost' });
    const waiting = await eventually('the waiting event', () => {
      reopened.update();
      return reopened.events.find((e): e is Extract<TerminalEvent, { kind: 'waiting' }> => e.kind === 'waiting');
    });
    expect((await api('bob', 'POST', `/v1/approvals/${waiting.request.id}/decision`, { decision: 'deny', comment: 'not today' })).status).toBe(200);
    const closed = await reopened.waitForClosed();
    expect(closed).toMatchObject({ reason: 'refused', exitStatus: 1 });
    expect(closed.message).toContain('denied');
    expect(closed.message).toContain('not today');
  });

  it('refuses an unknown connection and an unknown terminal', async () => {
    await expect(alice.call('terminal.open', { connection: 'no-such-box', cols: 80, rows: 24 })).rejects.toBeInstanceOf(BridgeCallFailed);
    await expect(alice.call('terminal.resize', { terminalId: 'nope', cols: 80, rows: 24 })).rejects.toMatchObject({ error: { code: 'not-found' } });
    await expect(alice.call('connections.schema', { connection: 'box' })).rejects.toMatchObject({ error: { code: 'invalid', message: expect.stringContaining('SSH connection') } });
  });

  it('ends open terminals as lost when alice signs out, and lets dave edit the policy through the admin methods', async () => {
    const terminal = await openTerminal('box');
    await terminal.type('echo still-$((1+1))\r');
    await terminal.waitForText(/still-2/);
    await alice.call('session.signOut', {});
    const closed = await terminal.waitForClosed();
    expect(closed.reason).toBe('lost');
    expect(closed.message).toMatch(/signed out/);

    await signIn(alice, 'dave');
    const history = await alice.call('admin.policyHistory', { connection: 'box' });
    expect(history.versions.map((v) => v.version)).toEqual([1]);
    const current = history.versions[0]!.yaml;
    const invalid = await alice.call('admin.validatePolicy', { yaml: current.replace('exec_default: allow', 'exec_default: maybe'), connection: 'box' });
    expect(invalid.ok).toBe(false);
    expect(invalid.errors[0]).toMatchObject({ line: 6, path: 'ssh.exec_default' });
    expect(await alice.call('admin.validatePolicy', { yaml: current, connection: 'box' })).toEqual({ ok: true, errors: [] });
    await expect(alice.call('admin.updatePolicy', { connection: 'box', yaml: current.replace('connection: box', 'connection: other'), reason: 'oops' })).rejects.toMatchObject({
      error: { code: 'invalid', message: expect.stringContaining('line 2') },
    });
    const updated = await alice.call('admin.updatePolicy', { connection: 'box', yaml: current.replace('exec_default: allow', 'exec_default: block'), reason: 'lock it down' });
    expect(updated).toEqual({ version: 2 });
    const after = await alice.call('admin.policyHistory', { connection: 'box' });
    expect(after.versions.find((v) => v.version === 2)).toMatchObject({ author: 'dave', reason: 'lock it down' });
    const diff = await alice.call('admin.policyDiff', { connection: 'box', from: 1, to: 2 });
    expect(diff).toMatchObject({ connection: 'box', from: 1, to: 2 });
    expect(diff.diff).toContain('-  exec_default: allow');
    expect(diff.diff).toContain('+  exec_default: block');
    await alice.call('session.signOut', {});
  });
});
