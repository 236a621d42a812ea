import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_FILE } from '../../broker/recording/recording-spool-layout.ts';
import type { ApprovalRequest } from '../../shared/api/approvals.ts';
import type { AuditRecord } from '../../shared/api/audit.ts';
import { castEventSchema, recordingScreenSchema, recordingSearchSchema, recordingSummarySchema } from '../../shared/api/recordings.ts';
import type { CastEvent, RecordingScreen, RecordingSummary } from '../../shared/api/recordings.ts';
import type { LiveSession } from '../../shared/api/sessions.ts';
import { eventMs } from '../../server/recordings/recording-positions.ts';
import { applyEvents, createReplayTerminal, serializeScreen } from '../../server/recordings/replay-terminal.ts';
import { runCommandOrThrow, trackChild } from '../support/child-processes.ts';
import { startSshConnect } from '../support/gatehouse-connect-ssh.ts';
import type { RunningSshConnect } from '../support/gatehouse-connect-ssh.ts';
import { runGatehouse } from '../support/gatehouse-proxy.ts';
import { signInUser } from '../support/gatehouse-users.ts';
import { readSpooledCast } from '../support/spool-cast.ts';
import type { GatehouseUser } from '../support/gatehouse-users.ts';
import { startServerProcess } from '../support/server-process.ts';
import type { RunningServerProcess } from '../support/server-process.ts';
import { startSshd } from '../support/sshd.ts';
import type { SshdHandle } from '../support/sshd.ts';
import { normalizeScreenText, serializedScreenText } from '../support/terminal-text.ts';
import { startTmux } from '../support/tmux.ts';
import type { TmuxTerminal } from '../support/tmux.ts';
import { eventually } from '../support/eventually.ts';

/*
 * SSH through Gatehouse end to end, nothing stubbed: `gatehouse server --dev-idp` as its own
 * process, Debian's sshd, the real OpenSSH client (in tmux for the interactive session), and
 * `gatehouse connect` as alice for connections dave created with sshd's host key pinned and its
 * user key as the leased credential. bob approves, carol audits and kills.
 */

const SECRETS_KEY = randomBytes(32).toString('hex');
const REQUEST_ID = /request ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/;
const JIT_WINDOW_S = 6;
const TRANSFER_BYTES = 10 * 1024 * 1024;

type Name = 'alice' | 'bob' | 'carol' | 'dave';

let server: RunningServerProcess;
let sshd: SshdHandle;
let work: string;
const users = {} as Record<Name, GatehouseUser>;
const connects: RunningSshConnect[] = [];
let web: RunningSshConnect;
let follow: RunningSshConnect;
let jit: RunningSshConnect;
let badPin: RunningSshConnect;

interface Reply<T> {
  status: number;
  body: T;
}

async function api<T = unknown>(user: Name, method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<Reply<T>> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${users[user].tokens.accessToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T };
}

function policyYaml(connection: string, ssh: string): string {
  return `version: 1\nconnection: ${connection}\ndefault: block\naudit: durable\nssh:\n${ssh}`;
}

async function createSshConnection(name: string, hostKey: string, ssh: string): Promise<void> {
  const created = await api('dave', 'POST', '/v1/connections', {
    name,
    kind: 'ssh',
    description: 'issue 5 test host',
    target: { host: sshd.host, port: sshd.port, user: sshd.user, hostKey },
    credential: { kind: 'private-key', privateKeyPem: readFileSync(sshd.userKeyFile, 'utf8') },
    allowedGroups: ['analysts'],
    policyYaml: policyYaml(name, ssh),
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
}

async function connectAs(connection: string, dirName: string, extra: readonly string[] = []): Promise<RunningSshConnect> {
  const dir = join(work, dirName);
  const running = await startSshConnect(
    connection,
    ['--audit-spool', join(dir, 'audit'), '--recording-spool', join(dir, 'recordings'), '--state-dir', join(dir, 'state'), ...extra],
    users.alice.env,
  );
  connects.push(running);
  return running;
}

interface SshRun {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** An OpenSSH client through a listener, with its output as it arrives. */
function startSsh(listener: RunningSshConnect, remote: readonly string[], extra: readonly string[] = []): { out: () => string; err: () => string; done: Promise<SshRun> } {
  const child = spawn('ssh', [...listener.sshArgs(sshd.user, extra), ...remote], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  trackChild(child, 'ssh');
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<SshRun>((resolve) => child.once('close', (code) => resolve({ stdout, stderr, code })));
  return { out: () => stdout, err: () => stderr, done };
}

function runSsh(listener: RunningSshConnect, remote: readonly string[]): Promise<SshRun> {
  return startSsh(listener, remote).done;
}

/** Every audit record whose text contains `text`, as carol (an auditor) searches for it. */
async function auditWithText(text: string): Promise<AuditRecord[]> {
  const reply = await api<{ records: AuditRecord[] }>('carol', 'GET', `/v1/audit/search?text=${encodeURIComponent(text)}&limit=1000`);
  expect(reply.status).toBe(200);
  return reply.body.records;
}

async function screenAt(id: string, t: number): Promise<RecordingScreen> {
  const reply = await api('carol', 'GET', `/v1/recordings/${id}/screen?t=${t}&limit=0`);
  expect(reply.status).toBe(200);
  return recordingScreenSchema.parse(reply.body);
}

async function castOf(id: string): Promise<{ header: string; events: CastEvent[] }> {
  const response = await fetch(`${server.url}/v1/recordings/${id}/cast`, { headers: { authorization: `Bearer ${users.carol.tokens.accessToken}` } });
  expect(response.status).toBe(200);
  const [header, ...lines] = (await response.text()).split('\n').filter((line) => line !== '');
  return { header: header!, events: lines.map((line) => castEventSchema.parse(JSON.parse(line))) };
}

function textOf(screen: RecordingScreen): string {
  return serializedScreenText(screen.screen, screen.width, screen.height);
}

async function liveSessions(user: Name): Promise<LiveSession[]> {
  const reply = await api<{ sessions: LiveSession[] }>(user, 'GET', '/v1/sessions');
  expect(reply.status).toBe(200);
  return reply.body.sessions;
}

interface SpooledMeta {
  id: string;
  sessionId: string;
  kind: 'shell' | 'exec';
  command: string | null;
}

/** The recording of a session in progress, found by its meta.json in the broker's recording spool. */
function spooledRecording(connectDir: string, matches: (meta: SpooledMeta) => boolean): Promise<SpooledMeta> {
  const root = join(work, connectDir, 'recordings');
  return eventually('the recording in the spool', async () => {
    for (const name of await readdir(root).catch(() => [])) {
      const meta = (await readFile(join(root, name, 'meta.json'), 'utf8').then(JSON.parse, () => null)) as SpooledMeta | null;
      if (meta !== null && matches(meta)) return meta;
    }
    return undefined;
  });
}

function completed(id: string, ms = 15_000): Promise<RecordingSummary> {
  return eventually(
    `recording ${id} to complete`,
    async () => {
      const reply = await api('carol', 'GET', `/v1/recordings/${id}`);
      if (reply.status !== 200) return undefined;
      const summary = recordingSummarySchema.parse(reply.body);
      return summary.complete ? summary : undefined;
    },
    ms,
    200,
  );
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gatehouse-ssh-connect-'));
  [server, sshd] = await Promise.all([
    startServerProcess(['--dev-idp', '--listen', '127.0.0.1:0', '--data-dir', join(work, 'server')], { GATEHOUSE_SECRETS_KEY: SECRETS_KEY }),
    startSshd(),
  ]);
  for (const name of ['alice', 'bob', 'carol', 'dave'] as const) users[name] = await signInUser(server.url, name);
  // An ed25519 key sshd does not have: pinned, it must be refused.
  await runCommandOrThrow('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(work, 'impostor')]);
  const impostor = readFileSync(join(work, 'impostor.pub'), 'utf8').trim();
  await createSshConnection(
    'web',
    sshd.hostKeyPublic,
    `  exec:
    - name: no-destruction
      match: "rm -rf *"
      action: block
      message: ask the storage team
    - name: greetings
      match: "echo approve-me-*"
      action: approve
      approvers: [db-approvers]
  exec_default: allow
`,
  );
  await createSshConnection('web-jit', sshd.hostKeyPublic, `  session:\n    approval: { approvers: [db-approvers], duration: ${JIT_WINDOW_S}s }\n`);
  await createSshConnection('web-badpin', impostor, '  exec_default: allow\n');
  await createSshConnection('web-follow', sshd.hostKeyPublic, '  exec_default: allow\n');
  [web, jit, badPin, follow] = await Promise.all([connectAs('web', 'web'), connectAs('web-jit', 'jit'), connectAs('web-badpin', 'badpin'), connectAs('web-follow', 'follow')]);
}, 120_000);

afterAll(async () => {
  for (const running of connects) await running.stop();
  await server?.stop();
  await sshd?.stop();
  for (const user of Object.values(users)) await user.remove();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('gatehouse connect for an SSH connection', () => {
  it('prints a ready line whose ssh command works as printed, and runs commands with their exit status', async () => {
    expect(web.ready).toMatchObject({ connection: 'web', policyVersion: 1, alias: 'gh-web' });
    expect(web.ready.ssh).toContain(`-p ${web.port}`);
    const printed = await new Promise<SshRun>((resolve) => {
      const child = spawn('sh', ['-c', `${web.ready.ssh} 'echo printed-$((6*7))'`], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      trackChild(child, 'ssh (printed)');
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.once('close', (code) => resolve({ stdout, stderr, code }));
    });
    expect(printed.stdout, printed.stderr).toBe('printed-42\n');
    const exited = await runSsh(web, ['echo on-$(whoami) >&2; exit 3']);
    expect(exited).toMatchObject({ code: 3, stderr: `on-${sshd.user}\n` });
  });

  it('carries 10 MB both ways byte for byte', async () => {
    const blob = randomBytes(TRANSFER_BYTES);
    const local = join(work, 'blob');
    writeFileSync(local, blob);
    const remote = `gatehouse-blob-${randomBytes(4).toString('hex')}`;
    const upload = spawn('ssh', [...web.sshArgs(sshd.user), `cat > ${remote} && sha256sum ${remote}`], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    trackChild(upload, 'ssh (upload)');
    createReadStream(local).pipe(upload.stdin);
    let uploaded = '';
    upload.stdout.setEncoding('utf8').on('data', (d: string) => (uploaded += d));
    expect(await new Promise((resolve) => upload.once('close', resolve))).toBe(0);
    expect(uploaded.split(/\s+/)[0]).toBe(sha256(blob));

    const command = `cat ${remote}; rm -f ${remote}`;
    const download = spawn('ssh', [...web.sshArgs(sshd.user), command], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    trackChild(download, 'ssh (download)');
    const hash = createHash('sha256');
    let bytes = 0;
    download.stdout.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    expect(await new Promise((resolve) => download.once('close', resolve))).toBe(0);
    expect(bytes).toBe(TRANSFER_BYTES);
    expect(hash.digest('hex')).toBe(sha256(blob));
    // What the download printed is recorded too (as text: bytes that are not UTF-8 become U+FFFD).
    const meta = await spooledRecording('web', (m) => m.command === command);
    const summary = await completed(meta.id, 120_000);
    expect(summary.bytes).toBeGreaterThan(TRANSFER_BYTES);
  });

  it('applies the exec rules, and the audit log finds the commands by their text', async () => {
    const marker = `gatehouse-nothing-${randomBytes(4).toString('hex')}`;
    const blocked = await runSsh(web, [`rm -rf /tmp/${marker}`]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('blocked by rule "no-destruction": ask the storage team');
    const allowed = await runSsh(web, [`ls -d /tmp && echo ${marker}`]);
    expect(allowed).toMatchObject({ code: 0, stdout: `/tmp\n${marker}\n` });
    const records = await eventually('the shipped exec events', async () => {
      const found = (await auditWithText(marker)).filter((r) => r.kind === 'ssh_exec');
      return found.length === 2 ? found : undefined;
    });
    expect(records.map((r) => [r.decision, r.text, r.actor, r.connection])).toEqual([
      ['block', `rm -rf /tmp/${marker}`, 'alice', 'web'],
      ['allow', `ls -d /tmp && echo ${marker}`, 'alice', 'web'],
    ]);
    expect(records[0]!.event).toMatchObject({ rule: 'no-destruction', ssh: { request: 'exec' } });
  });

  it('enforces a new policy version as soon as an admin saves it, without a restart', async () => {
    expect(await runSsh(follow, ['echo still-allowed'])).toMatchObject({ code: 0, stdout: 'still-allowed\n' });
    const changed = await api('dave', 'PATCH', '/v1/connections/web-follow', {
      policyYaml: policyYaml('web-follow', '  exec:\n    - name: no-echo\n      match: "echo *"\n      action: block\n      message: not any more\n  exec_default: allow\n'),
      reason: 'test: block echo',
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    const refused = await eventually('the new rule on the running listener', async () => {
      const run = await runSsh(follow, ['echo now-blocked']);
      return run.code === 1 ? run : undefined;
    });
    expect(refused.stderr).toContain('blocked by rule "no-echo": not any more');
    expect(await runSsh(follow, ['true'])).toMatchObject({ code: 0 });
  });

  it('holds a command that needs approval until bob approves it, then runs it once', async () => {
    const word = `approve-me-${randomBytes(4).toString('hex')}`;
    const held = startSsh(web, [`echo ${word}`]);
    const requestId = await eventually('the approval notice', async () => REQUEST_ID.exec(held.err())?.[1]);
    expect(held.err()).toContain('waiting for approval by db-approvers');
    expect(held.out()).toBe('');
    const pending = await api<ApprovalRequest>('bob', 'GET', `/v1/approvals/${requestId}`);
    expect(pending.body).toMatchObject({ state: 'pending', rule: 'greetings', scope: { kind: 'command', command: `echo ${word}` }, requester: 'alice' });
    expect((await api('alice', 'POST', `/v1/approvals/${requestId}/decision`, { decision: 'approve' })).status).toBe(403);
    const approved = await runGatehouse(['approvals', 'approve', requestId, '--comment', 'go ahead'], { env: users.bob.env });
    expect(approved.code, approved.stderr).toBe(0);
    const run = await held.done;
    expect(run).toMatchObject({ code: 0, stdout: `${word}\n` });
    expect(run.stderr).toContain('approved by');
    expect((await api<ApprovalRequest>('bob', 'GET', `/v1/approvals/${requestId}`)).body.state).toBe('executed');
  });

  it('refuses a host whose key differs from the pinned one, saying so', async () => {
    const refused = await runSsh(badPin, ['echo should-not-run']);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/upstream host key mismatch for 127\.0\.0\.1:\d+: the pinned key is ssh-ed25519 SHA256:\S+ but the server presented ssh-ed25519 SHA256:\S+; refusing to connect/);
  });

  it('opens a JIT session only once bob approves it, and ends it when the window closes', async () => {
    const word = `jit-open-${randomBytes(4).toString('hex')}`;
    const held = startSsh(jit, [`echo ${word}; sleep 60`]);
    const requestId = await eventually('the session approval notice', async () => REQUEST_ID.exec(held.err())?.[1]);
    expect(held.err()).toContain('this session is waiting for approval by db-approvers');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(held.out()).toBe('');
    const decided = await api<ApprovalRequest>('bob', 'POST', `/v1/approvals/${requestId}/decision`, { decision: 'approve', comment: 'one look' });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ state: 'approved', rule: 'ssh.session', scope: { kind: 'session', durationMs: JIT_WINDOW_S * 1000 } });
    const approvedAt = Date.parse(decided.body.decidedAt!);
    await eventually('the session to open', async () => (held.out().includes(word) ? true : undefined));
    const ended = await held.done;
    const endedAfterMs = Date.now() - approvedAt;
    expect(ended.stderr).toContain('the approved session window has ended');
    expect(endedAfterMs).toBeGreaterThanOrEqual(JIT_WINDOW_S * 1000 - 500);
    expect(endedAfterMs).toBeLessThan(JIT_WINDOW_S * 1000 + 3000);
  });

  it('records an interactive session in tmux: resizes reach stty, and the replay matches the terminal', async () => {
    const word = `zebrafish${randomBytes(4).toString('hex')}`;
    let tmux: TmuxTerminal | undefined;
    try {
      tmux = await startTmux(['ssh', ...web.sshArgs(sshd.user, ['-tt'])], { cols: 100, rows: 30 });
      const term = tmux;
      const screenHas = (text: string): Promise<true> => eventually(`"${text}" on the screen`, async () => ((await term.capture()).includes(text) ? true : undefined));
      await screenHas('$');
      await term.type('stty size');
      await screenHas('30 100');
      await term.resize(120, 40);
      await term.type('stty size');
      await screenHas('40 120');
      await term.type(`seq 1 45; echo ${word}`);
      await screenHas(`\n${word}`);
      const spooled = await spooledRecording('web', (m) => m.kind === 'shell');
      const id = spooled.id;
      const live = await eventually('the session among the live ones', async () => (await liveSessions('carol')).find((s) => s.sessionId === spooled.sessionId));
      expect(live).toMatchObject({ user: 'alice', connection: 'web', recordings: [id] });
      await term.type('exit');
      await eventually('ssh to exit', async () => ((await term.currentCommand()) === 'sleep' ? true : undefined));
      const summary = await completed(id);
      expect(summary).toMatchObject({ brokerSessionId: live.sessionId, user: 'alice', connection: 'web', exitStatus: 0, width: 100, height: 30 });

      const final = await screenAt(id, summary.durationMs);
      expect(`${final.width}x${final.height}`).toBe('120x40');
      expect(textOf(final)).toBe(normalizeScreenText(await term.capture()));

      const cast = await castOf(id);
      const resizeAt = eventMs(cast.events.find(([, code, data]) => code === 'r' && data === '120x40')!);
      for (const t of [summary.durationMs / 2, resizeAt, resizeAt + 1]) {
        const replay = createReplayTerminal(100, 30);
        applyEvents(
          replay,
          cast.events.filter((event) => eventMs(event) <= t),
        );
        const expected = serializeScreen(replay);
        replay.term.dispose();
        expect((await screenAt(id, t)).screen, `t=${t}`).toBe(expected);
      }

      const search = await api('carol', 'GET', `/v1/recordings/search?q=${word}`);
      expect(search.status).toBe(200);
      const results = recordingSearchSchema.parse(search.body).results;
      expect(results.map((r) => r.recording.id)).toEqual([id]);
      const firstHit = Math.min(...results[0]!.hits.map((hit) => hit.t));
      const before = Math.max(...cast.events.map(eventMs).filter((t) => t < firstHit));
      expect(textOf(await screenAt(id, firstHit))).toContain(word);
      expect(textOf(await screenAt(id, before))).not.toContain(word);
    } finally {
      await tmux?.stop();
    }
  });

  it('ends a live session within a second of `gatehouse sessions kill`, which only auditors and admins may use', async () => {
    const session = startSsh(web, ['echo kill-me-ready; sleep 120']);
    await eventually('the session to run', async () => (session.out().includes('kill-me-ready') ? true : undefined));
    const spooled = await spooledRecording('web', (m) => m.command === 'echo kill-me-ready; sleep 120');
    const live = await eventually('the session among the live ones', async () => (await liveSessions('carol')).find((s) => s.sessionId === spooled.sessionId));
    expect((await api('alice', 'POST', `/v1/sessions/${live.sessionId}/kill`, { reason: 'mine' })).status).toBe(403);
    expect((await api('bob', 'POST', `/v1/sessions/${live.sessionId}/kill`, { reason: 'approvers cannot' })).status).toBe(403);
    expect((await api('carol', 'POST', '/v1/sessions/no-such-session/kill', { reason: 'x' })).status).toBe(404);
    expect((await liveSessions('alice')).map((s) => s.sessionId)).toContain(live.sessionId);
    expect(await liveSessions('bob')).toEqual([]);

    let clientGoneAt = 0;
    void session.done.then(() => (clientGoneAt = Date.now()));
    const kill = await runGatehouse(['sessions', 'kill', live.sessionId, '--reason', 'incident 42'], { env: users.carol.env });
    expect(kill.code, kill.stderr).toBe(0);
    expect(kill.stdout).toContain(`Killed session ${live.sessionId} of alice on web: incident 42`);
    const ended = await session.done;
    expect(ended.code).not.toBe(0);
    expect(ended.stderr).toContain('session terminated: incident 42 (by carol)');
    const records = await eventually('the kill in the audit log', async () => {
      const found = (await auditWithText(live.sessionId)).filter((r) => r.kind === 'session_killed');
      return found.length === 1 ? found : undefined;
    });
    // The server stamps the record when it publishes the kill; the same clock saw the client go.
    expect(clientGoneAt - Date.parse(records[0]!.time)).toBeLessThan(1000);
    expect(records[0]).toMatchObject({ actor: 'carol', connection: 'web', decision: 'kill', event: { sessionId: live.sessionId, reason: 'incident 42', user: 'alice' } });
  });

  it('loses no spooled chunk when the broker is killed -9 mid-session: the next start uploads the rest', async () => {
    // Uploads that never come while the broker lives: what the server ends up with came from the spool after the restart.
    const broker = await connectAs('web', 'crash', ['--recording-upload-interval', '600000']);
    const word = `crash-${randomBytes(4).toString('hex')}`;
    const session = startSsh(broker, [`seq 1 20000; echo ${word}; sleep 120`], ['-tt']);
    await eventually('the output', async () => (session.out().includes(word) ? true : undefined)).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\nssh stderr: ${session.err()}\nssh stdout: ${session.out().slice(-500)}\nbroker: ${broker.stderr().slice(-3000)}`);
    });
    const spoolRoot = join(work, 'crash', 'recordings');
    const [dirName] = await readdir(spoolRoot);
    const eventsFile = join(spoolRoot, dirName!, EVENTS_FILE);
    await eventually('the last line in the spool', async () => ((await readSpooledCast(eventsFile)).text.includes(word) ? true : undefined));

    process.kill(-broker.pid, 'SIGKILL');
    await broker.exited;
    await session.done;
    const meta = JSON.parse(await readFile(join(spoolRoot, dirName!, 'meta.json'), 'utf8')) as { id: string; sessionId: string };
    const spooled = await readSpooledCast(eventsFile);
    const spooledLines = spooled.events.map((event) => JSON.stringify(event));
    // The server counts the asciicast event lines it holds, newlines included.
    const spooledEventBytes = spooledLines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
    expect(spooledLines.length).toBeGreaterThan(10);
    expect((await api('carol', 'GET', `/v1/recordings/${meta.id}`)).status).toBe(404);

    const restarted = await connectAs('web', 'crash');
    const summary = await completed(meta.id);
    expect(summary).toMatchObject({ brokerSessionId: meta.sessionId, bytes: spooledEventBytes, exitStatus: null });
    const uploaded = await castOf(meta.id);
    expect(uploaded.events.map((event) => JSON.stringify(event))).toEqual(spooledLines);
    expect(summary.chunks).toBeGreaterThanOrEqual(1);
    await eventually('the spool to empty', async () => ((await readdir(spoolRoot)).length === 0 ? true : undefined));
    // The session's audit events are on the server as well.
    const started = await eventually('the crashed session in the audit log', async () => {
      const reply = await api<{ records: AuditRecord[] }>('carol', 'GET', `/v1/audit/search?kind=ssh_exec&connection=web&limit=1000`);
      return reply.body.records.find((r) => (r.event as { sessionId?: string }).sessionId === meta.sessionId);
    });
    expect(started.text).toBe(`seq 1 20000; echo ${word}; sleep 120`);
    await restarted.stop();
  });
});
