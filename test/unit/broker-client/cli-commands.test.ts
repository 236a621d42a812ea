import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenStore } from '../../../broker/auth/token-store.ts';
import { registerApprovalsCommands } from '../../../broker/cli/approvals-command.ts';
import { registerAuditServerCommands } from '../../../broker/cli/audit-server-commands.ts';
import { registerLoginCommands } from '../../../broker/cli/login-command.ts';
import type { CliContext } from '../../../broker/cli/server-context.ts';
import { FakeBrowser, FakeIdp } from './fake-idp.ts';
import { alice, approvalRequest, auditRecord, RouteServer, sendJson, type Route } from './fixtures.ts';

let home: string;
let cleanups: (() => Promise<void>)[];

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'gatehouse-cli-'));
  cleanups = [];
});

afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await rm(home, { recursive: true, force: true });
});

interface Harness {
  ctx: CliContext;
  out: () => string;
  err: () => string;
  exitCode: () => number | undefined;
  run: (...args: string[]) => Promise<void>;
}

function harness(env: NodeJS.ProcessEnv = {}, extra: Partial<CliContext> = {}): Harness {
  const out = new PassThrough();
  const err = new PassThrough();
  let outText = '';
  let errText = '';
  out.on('data', (c: Buffer) => (outText += c.toString('utf8')));
  err.on('data', (c: Buffer) => (errText += c.toString('utf8')));
  let exitCode: number | undefined;
  const ctx: CliContext = { out, err, env: { GATEHOUSE_HOME: home, ...env }, setExitCode: (code) => void (exitCode = code), ...extra };
  return {
    ctx,
    out: () => outText,
    err: () => errText,
    exitCode: () => exitCode,
    run: async (...args) => {
      const program = new Command().exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
      registerLoginCommands(program, ctx);
      registerApprovalsCommands(program, ctx);
      registerAuditServerCommands(program.command('audit'), ctx);
      await program.parseAsync(['node', 'gatehouse', ...args]);
      // Let the PassThrough deliver what was written.
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

async function serve(routes: Record<string, Route>): Promise<RouteServer> {
  const server = await new RouteServer(routes).start();
  cleanups.push(() => server.stop());
  return server;
}

/** A login as `gatehouse login` leaves it, valid for an hour; no IdP is needed while it is fresh. */
async function storedLogin(serverUrl: string): Promise<void> {
  await new TokenStore(join(home, 'tokens.json')).put({
    serverUrl,
    authConfig: { issuer: 'https://idp.invalid', clientId: 'gatehouse', audience: 'https://api', scopes: ['openid'], devIdp: false },
    accessToken: 'tok-A',
    refreshToken: 'rt-A',
    expiresAt: Date.now() + 3600_000,
    savedAt: new Date().toISOString(),
  });
}

describe('gatehouse login / logout', () => {
  it('signs in through the browser, stores the tokens, uses them, and signs out with revocation', async () => {
    const idp = await new FakeIdp().start();
    cleanups.push(() => idp.stop());
    const server = await serve({
      'GET /v1/auth/config': (_req, res) => sendJson(res, 200, idp.authConfig()),
      'GET /v1/me': (req, res) => {
        const token = (req.headers['authorization'] ?? '').replace(/^Bearer /, '');
        sendJson(res, decodeJwt(token).sub === 'alice-sub' ? 200 : 401, alice);
      },
      'GET /v1/approvals/inbox': (_req, res) => sendJson(res, 200, []),
    });
    const browser = new FakeBrowser();
    const h = harness({ DISPLAY: ':0' }, { openBrowser: browser.open });

    await h.run('login', '--server', `${server.baseUrl}/`);
    expect(h.out()).toBe(`Signed in to ${server.baseUrl} as alice@example.com (analyst).\n`);
    expect(h.err()).toContain('Your browser has been opened');
    expect(browser.lastPage?.body).toContain('Signed in to Gatehouse');
    const store = new TokenStore(join(home, 'tokens.json'));
    const login = await store.get(server.baseUrl);
    expect(login?.refreshToken).toMatch(/^rt-/);
    expect(login?.name).toBe('alice@example.com');
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);

    // Later commands find the server and the token without being told.
    await h.run('approvals', 'list');
    expect(h.out()).toContain('Nothing is waiting for your decision.');
    expect(server.requests.at(-1)?.headers['authorization']).toBe(`Bearer ${login?.accessToken}`);

    await h.run('logout');
    expect(h.out()).toContain(`Signed out of ${server.baseUrl}: the tokens were revoked at the identity provider.`);
    expect(idp.revoked.map((r) => r.hint)).toEqual(['refresh_token', 'access_token']);
    expect(await store.get(server.baseUrl)).toBeUndefined();
    await h.run('logout', '--server', server.baseUrl);
    expect(h.out()).toContain(`Not signed in to ${server.baseUrl}.`);
  });

  it('explains where the server comes from when none is known', async () => {
    const h = harness();
    await expect(h.run('approvals', 'list')).rejects.toThrow(/--server URL, set GATEHOUSE_SERVER/);
  });

  it('says how to sign in when there is no login for the server', async () => {
    const h = harness({ GATEHOUSE_SERVER: 'https://gh.example.com' });
    await expect(h.run('approvals', 'list')).rejects.toThrow(/gatehouse login --server https:\/\/gh\.example\.com/);
  });
});

describe('gatehouse approvals', () => {
  it('lists the inbox as a table, and --mine as JSON', async () => {
    const server = await serve({
      'GET /v1/approvals/inbox': (_req, res) => sendJson(res, 200, [approvalRequest({ id: 'apr_1' }), approvalRequest({ id: 'apr_2', scope: { kind: 'session', durationMs: 30 * 60_000 } })]),
      'GET /v1/approvals': (_req, res) => sendJson(res, 200, [approvalRequest({ id: 'apr_9', state: 'denied' })]),
    });
    await storedLogin(server.baseUrl);
    const h = harness({ GATEHOUSE_SERVER: server.baseUrl });
    await h.run('approvals', 'list');
    const lines = h.out().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATE\s+CONNECTION\s+REQUESTER\s+APPROVALS\s+EXPIRES\s+WHAT$/);
    expect(lines[1]).toMatch(/^apr_1\s+pending\s+orders-prod\s+alice@example\.com\s+0\/1\s+2025-01-02 11:00:00Z\s+write: DELETE FROM orders WHERE id = 7$/);
    expect(lines[2]).toContain('session for 30 min');
    expect(server.requests[0]!.headers['authorization']).toBe('Bearer tok-A');

    const json = harness({ GATEHOUSE_SERVER: server.baseUrl });
    await json.run('approvals', 'list', '--mine', '--json');
    expect((JSON.parse(json.out()) as { id: string }[]).map((r) => r.id)).toEqual(['apr_9']);
    expect(server.requests.at(-1)?.url.search).toBe('?mine=true');
    await expect(json.run('approvals', 'list', '--mine', '--inbox')).rejects.toThrow(/not both/);
  });

  it('shows the exact statement, with terminal control characters neutralised', async () => {
    const statement = 'UPDATE accounts\n   SET balance = 0\n WHERE id = 1 -- \u001b[2Kinnocent';
    const server = await serve({
      'GET /v1/approvals/apr_1': (_req, res) => sendJson(res, 200, approvalRequest({ scope: { kind: 'statement', statement, fingerprint: 'f', class: 'write' } })),
    });
    await storedLogin(server.baseUrl);
    const h = harness();
    await h.run('approvals', 'show', 'apr_1', '--server', server.baseUrl);
    expect(h.out()).toContain('statement:\n    UPDATE accounts\n       SET balance = 0\n     WHERE id = 1 -- \\u{1b}[2Kinnocent\n');
    expect(h.out()).toContain('reason:       fix a duplicate order');
    expect(h.out()).not.toContain('\u001b');
  });

  it('approves with a comment and denies only with one', async () => {
    const server = await serve({
      'POST /v1/approvals/apr_1/decision': (req, res) => {
        const body = JSON.parse(req.body) as { decision: string };
        sendJson(res, 200, approvalRequest({ state: body.decision === 'approve' ? 'approved' : 'denied' }));
      },
    });
    await storedLogin(server.baseUrl);
    const h = harness({ GATEHOUSE_SERVER: server.baseUrl });
    await h.run('approvals', 'approve', 'apr_1', '--comment', 'looks right');
    expect(h.out()).toBe('Approved apr_1: the request is now approved.\n');
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ decision: 'approve', comment: 'looks right' });

    await expect(h.run('approvals', 'deny', 'apr_1')).rejects.toBeInstanceOf(CommanderError);
    await expect(h.run('approvals', 'deny', 'apr_1', '--comment', '  ')).rejects.toThrow(/say why/);
    await h.run('approvals', 'deny', 'apr_1', '--comment', 'not during business hours');
    expect(h.out()).toContain('Denied apr_1: the request is now denied.');
    expect(JSON.parse(server.requests.at(-1)!.body)).toEqual({ decision: 'deny', comment: 'not during business hours' });
  });

  it("passes on the server's refusal", async () => {
    const server = await serve({
      'POST /v1/approvals/apr_1/decision': (_req, res) => sendJson(res, 403, { code: 'own_request', message: 'you cannot approve your own request' }),
    });
    await storedLogin(server.baseUrl);
    const h = harness({ GATEHOUSE_SERVER: server.baseUrl });
    await expect(h.run('approvals', 'approve', 'apr_1')).rejects.toThrow('you cannot approve your own request');
  });
});

describe('gatehouse audit search | export | verify', () => {
  it('searches with filters and prints a table, with a hint for the next page', async () => {
    const server = await serve({
      'GET /v1/audit/search': (_req, res) => sendJson(res, 200, { records: [auditRecord(1), auditRecord(2, { decision: 'block', text: 'DROP TABLE orders' })], nextAfter: 2 }),
    });
    await storedLogin(server.baseUrl);
    const h = harness({ GATEHOUSE_SERVER: server.baseUrl });
    await h.run('audit', 'search', '--user', 'alice', '--decision', 'block', '--from', '2025-01-01', '--limit', '2');
    expect(Object.fromEntries(server.requests[0]!.url.searchParams)).toEqual({ user: 'alice', decision: 'block', from: '2025-01-01', limit: '2' });
    const lines = h.out().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SEQ\s+TIME\s+ACTOR\s+CONNECTION\s+KIND\s+CLASS\s+DECISION\s+TEXT$/);
    expect(lines[2]).toMatch(/^2\s+2025-01-02 10:00:02Z\s+alice@example\.com\s+orders-prod\s+statement\s+read\s+block\s+DROP TABLE orders$/);
    expect(h.err()).toContain('--after 2');
    await expect(h.run('audit', 'search', '--from', 'yesterday-ish')).rejects.toThrow(/--from must be a date/);
    await expect(h.run('audit', 'search', '--limit', '0')).rejects.toThrow(/--limit/);
  });

  it('exports to a 0600 file atomically, or to standard output', async () => {
    const lines = Array.from({ length: 200 }, (_, i) => `${JSON.stringify(auditRecord(i + 1))}\n`).join('');
    const server = await serve({
      'GET /v1/audit/export': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.write(lines.slice(0, 1000));
        setTimeout(() => res.end(lines.slice(1000)), 20);
      },
    });
    await storedLogin(server.baseUrl);
    const h = harness({ GATEHOUSE_SERVER: server.baseUrl });
    const file = join(home, 'evidence.jsonl');
    await h.run('audit', 'export', '--format', 'jsonl', '--connection', 'orders-prod', '-o', file);
    expect(await readFile(file, 'utf8')).toBe(lines);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readdir(home)).filter((n) => n.includes('partial'))).toEqual([]);
    expect(Object.fromEntries(server.requests[0]!.url.searchParams)).toEqual({ connection: 'orders-prod', format: 'jsonl' });

    await h.run('audit', 'export', '--format', 'jsonl');
    expect(h.out()).toBe(lines);
    await expect(h.run('audit', 'export', '--format', 'xml')).rejects.toThrow(/jsonl or csv/);
  });

  it('leaves no file behind when the export fails', async () => {
    const server = await serve({ 'GET /v1/audit/export': (_req, res) => sendJson(res, 403, { code: 'forbidden', message: 'auditors only' }) });
    await storedLogin(server.baseUrl);
    const h = harness({ GATEHOUSE_SERVER: server.baseUrl });
    const file = join(home, 'evidence.csv');
    await expect(h.run('audit', 'export', '--format', 'csv', '-o', file)).rejects.toThrow('auditors only');
    expect((await readdir(home)).sort()).toEqual(['tokens.json']);
  });

  it('verifies the chain and fails the exit code when it is broken', async () => {
    let ok = true;
    const server = await serve({
      'GET /v1/audit/verify': (_req, res) =>
        sendJson(res, 200, ok ? { ok: true, checked: 42, firstBroken: null } : { ok: false, checked: 17, firstBroken: { seq: 17, id: 'rec-17', reason: 'hash mismatch' } }),
    });
    await storedLogin(server.baseUrl);
    const good = harness({ GATEHOUSE_SERVER: server.baseUrl });
    await good.run('audit', 'verify');
    expect(good.out()).toBe('Audit chain intact: 42 records checked.\n');
    expect(good.exitCode()).toBeUndefined();
    ok = false;
    const bad = harness({ GATEHOUSE_SERVER: server.baseUrl });
    await bad.run('audit', 'verify', '--json');
    expect(JSON.parse(bad.out())).toMatchObject({ ok: false, firstBroken: { seq: 17 } });
    expect(bad.exitCode()).toBe(1);
  });
});
