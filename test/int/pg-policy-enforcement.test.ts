import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../shared/audit/audit-event.ts';
import { readSpool } from '../../broker/audit/read-spool.ts';
import { startPostgresCluster, type PostgresCluster } from '../support/postgres-cluster.ts';
import { repoRoot, runGatehouse, startGatehouseProxy, type RunningProxy } from '../support/gatehouse-proxy.ts';
import { credentialsOf, RawPgConnection } from '../support/raw-pg-client.ts';

/**
 * The policy is enforced by the real proxy process against a real PostgreSQL: refused
 * statements get a clear SQLSTATE, never reach the server (its statement log is the witness),
 * leave the session usable exactly as a server-side error would, and every decision lands in
 * the audit spool — or nothing runs at all when the spool cannot be written.
 */

const FIXTURES = join(repoRoot, 'test', 'fixtures', 'policies');
const ENFORCEMENT_POLICY = join(FIXTURES, 'enforcement.yaml');
const ALLOW_ALL_POLICY = join(FIXTURES, 'allow-all-durable.yaml');
const INVALID_POLICY = join(FIXTURES, 'invalid-action.yaml');
const AUDIT_USER = 'alice@example.com';

let cluster: PostgresCluster;
let proxy: RunningProxy;
let spoolDir: string;
let tmpfsMount: string;
let tmpfsProxy: RunningProxy;
let tmpfsSpool: string;
const clients: pg.Client[] = [];

beforeAll(async () => {
  cluster = await startPostgresCluster();
  const setup = await cluster.psql(`
    create table t (x int);
    insert into t values (0);
    create table ledger (amount int);
    create table people (id int, email text);
    insert into people values (1, 'ann@example.com'), (2, 'bob@example.com');
    create table forbidden (secret text);
  `);
  expect(setup.code, setup.stderr).toBe(0);
  spoolDir = await mkdtemp(join(tmpdir(), 'gh-enforce-spool-'));
  tmpfsMount = await mkdtemp(join(tmpdir(), 'gh-enforce-tmpfs-'));
  // A real, tiny file system: the proxy must meet ENOSPC from the kernel, not from a stub.
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', tmpfsMount]);
  tmpfsSpool = join(tmpfsMount, 'spool');
  const upstream = cluster.url({ sslmode: 'require' });
  const env = { GATEHOUSE_USER: AUDIT_USER };
  [proxy, tmpfsProxy] = await Promise.all([
    startGatehouseProxy(['--upstream', upstream, '--policy', ENFORCEMENT_POLICY, '--audit-spool', spoolDir], { env }),
    startGatehouseProxy(['--upstream', upstream, '--policy', ALLOW_ALL_POLICY, '--audit-spool', tmpfsSpool], { env }),
  ]);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  await Promise.all([proxy?.stop(), tmpfsProxy?.stop()]);
  await cluster?.stop();
  if (tmpfsMount !== undefined) {
    execFileSync('umount', [tmpfsMount]);
    await rmdir(tmpfsMount);
  }
  if (spoolDir !== undefined) await rm(spoolDir, { recursive: true, force: true });
});

async function connect(p: RunningProxy = proxy): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: p.url });
  client.on('error', () => undefined);
  await client.connect();
  clients.push(client);
  return client;
}

/** The statement texts the server logged that contain `marker`: the proof of what reached it. */
async function logged(marker: string): Promise<string[]> {
  return (await cluster.statementLog()).filter((s) => s.includes(marker));
}

async function expectNeverForwarded(...markers: string[]): Promise<void> {
  const log = await cluster.statementLog();
  for (const marker of markers) expect(log.filter((s) => s.includes(marker)), `"${marker}" reached the server`).toEqual([]);
}

async function spoolEvents(dir: string): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  for await (const event of readSpool(dir)) events.push(event);
  return events;
}

/** statement_result events are written after the client has its answer, so they are awaited. */
async function waitForSpool(dir: string, done: (events: AuditEvent[]) => boolean, timeoutMs = 5_000): Promise<AuditEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await spoolEvents(dir);
    if (done(events) || Date.now() > deadline) return events;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function statementWith(events: AuditEvent[], marker: string): AuditEvent[] {
  return events.filter((e) => e.kind === 'statement' && e.statement?.text.includes(marker) === true);
}

function resultOf(events: AuditEvent[], statement: AuditEvent): AuditEvent[] {
  return events.filter((e) => e.kind === 'statement_result' && e.statementId === statement.id);
}

function fields(m: { payload: Buffer }): Map<string, string> {
  const out = new Map<string, string>();
  let o = 0;
  while (o < m.payload.length && m.payload[o] !== 0) {
    const code = String.fromCharCode(m.payload[o]!);
    const end = m.payload.indexOf(0, o + 1);
    out.set(code, m.payload.toString('utf8', o + 1, end));
    o = end + 1;
  }
  return out;
}

/** Reads backend messages up to and including the `count`-th ReadyForQuery. */
async function readUntilReady(conn: RawPgConnection, count: number): Promise<{ type: string; payload: Buffer }[]> {
  const messages: { type: string; payload: Buffer }[] = [];
  let ready = 0;
  while (ready < count) {
    const m = await conn.next();
    messages.push(m);
    if (m.type === 'Z') ready++;
  }
  return messages;
}

describe('a block rule', () => {
  it('refuses with 42501 naming the rule, forwards nothing, and the session stays usable', async () => {
    const client = await connect();
    await expect(client.query('select * from forbidden /* gh-block-simple */')).rejects.toMatchObject({
      code: '42501',
      message: expect.stringContaining('forbidden-off-limits') as unknown,
    });
    const after = await client.query('select 41 + 1 as n /* gh-allowed-control */');
    expect(after.rows).toEqual([{ n: 42 }]);
    await expectNeverForwarded('gh-block-simple');
    // The witness works: an allowed statement does show up in the server's log.
    expect(await logged('gh-allowed-control')).toEqual(['select 41 + 1 as n /* gh-allowed-control */']);
  });

  it('aborts an open transaction exactly as PostgreSQL does', async () => {
    const client = await connect();
    await client.query('begin');
    await client.query('select 1');
    await expect(client.query('select secret from forbidden /* gh-block-in-tx */')).rejects.toMatchObject({ code: '42501' });
    await expect(client.query('select 2 /* gh-after-abort */')).rejects.toMatchObject({
      code: '25P02',
      message: expect.stringContaining('current transaction is aborted') as unknown,
    });
    await client.query('rollback');
    expect((await client.query('select 3 as n')).rows).toEqual([{ n: 3 }]);
    await expectNeverForwarded('gh-block-in-tx');
    // The server saw the statement that hit the aborted transaction: the abort was its own.
    expect(await logged('gh-after-abort')).toHaveLength(1);
  });

  it('refuses a parameterized query through the extended protocol; the client stays usable', async () => {
    const client = await connect();
    await expect(client.query('select * from forbidden where secret = $1 /* gh-block-extended */', ['x'])).rejects.toMatchObject({
      code: '42501',
      message: expect.stringContaining('forbidden-off-limits') as unknown,
    });
    expect((await client.query('select $1::int + 1 as n', [6])).rows).toEqual([{ n: 7 }]);
    await expect(client.query({ name: 'blocked-named', text: 'select secret from forbidden where secret = $1 /* gh-block-named */', values: ['y'] })).rejects.toMatchObject({ code: '42501' });
    expect((await client.query({ name: 'fine-named', text: 'select $1::text as t', values: ['ok'] })).rows).toEqual([{ t: 'ok' }]);
    await expectNeverForwarded('gh-block-extended', 'gh-block-named');
  });

  it('refuses one statement of a pipelined extended batch and skips the rest to Sync, as the server does', async () => {
    const conn = await RawPgConnection.login(proxy.port, credentialsOf(proxy.url));
    try {
      conn.write(
        Buffer.concat([
          serialize.parse({ text: 'select 1 /* gh-pipe-first */' }),
          serialize.bind({}),
          serialize.describe({ type: 'P' }),
          serialize.execute({}),
          serialize.parse({ text: 'select secret from forbidden /* gh-pipe-blocked */' }),
          serialize.bind({}),
          serialize.describe({ type: 'P' }),
          serialize.execute({}),
          serialize.parse({ text: 'select 3 /* gh-pipe-skipped */' }),
          serialize.bind({}),
          serialize.describe({ type: 'P' }),
          serialize.execute({}),
          serialize.sync(),
        ]),
      );
      const batch = await readUntilReady(conn, 1);
      expect(batch.map((m) => m.type)).toEqual(['1', '2', 'T', 'D', 'C', 'E', 'Z']);
      const error = fields(batch[5]!);
      expect(error.get('C')).toBe('42501');
      expect(error.get('M')).toContain('forbidden-off-limits');
      expect(batch[6]!.payload.toString()).toBe('I');

      // Simple queries pipelined in one write: only the blocked one fails.
      conn.write(
        Buffer.concat([
          serialize.query('select 10 as n /* gh-pipe-simple-1 */'),
          serialize.query('select * from forbidden /* gh-pipe-simple-blocked */'),
          serialize.query('select 30 as n /* gh-pipe-simple-3 */'),
        ]),
      );
      const simple = await readUntilReady(conn, 3);
      expect(simple.map((m) => m.type)).toEqual(['T', 'D', 'C', 'Z', 'E', 'Z', 'T', 'D', 'C', 'Z']);
      expect(fields(simple[4]!).get('C')).toBe('42501');
      expect(await conn.query('select 4')).toEqual([['4']]);
    } finally {
      await conn.terminate();
    }
    await expectNeverForwarded('gh-pipe-blocked', 'gh-pipe-skipped', 'gh-pipe-simple-blocked');
    expect(await logged('gh-pipe-first')).toHaveLength(1);
    expect(await logged('gh-pipe-simple-3')).toHaveLength(1);
  });
});

describe('statements the proxy cannot read', () => {
  it('refuses unparseable text with 42601 and never forwards it', async () => {
    const client = await connect();
    for (const sql of ['selec 1 /* gh-unparseable-typo */', 'select * from ( /* gh-unparseable-truncated */']) {
      await expect(client.query(sql)).rejects.toMatchObject({ code: '42601', message: expect.stringContaining('could not be parsed') as unknown });
    }
    expect((await client.query('select 5 as n')).rows).toEqual([{ n: 5 }]);
    await expectNeverForwarded('gh-unparseable-typo', 'gh-unparseable-truncated');
  });

  it('refuses unparseable text even under a policy that allows everything: it is never taken for a read', async () => {
    const client = await connect(tmpfsProxy);
    await expect(client.query('selec 1 /* gh-unparseable-allow-all */')).rejects.toMatchObject({ code: '42601' });
    await expect(client.query('select * from ( /* gh-unparseable-allow-all-2 */', [])).rejects.toMatchObject({ code: '42601' });
    expect((await client.query('select 6 as n')).rows).toEqual([{ n: 6 }]);
    await expectNeverForwarded('gh-unparseable-allow-all');
    const events = await waitForSpool(tmpfsSpool, (e) => statementWith(e, 'gh-unparseable-allow-all').length === 2);
    for (const event of statementWith(events, 'gh-unparseable-allow-all')) {
      expect(event).toMatchObject({ decision: 'block', statement: { class: 'unknown' }, error: { sqlstate: '42601' } });
    }
  });

  it('judges a message with one write among reads as a write', async () => {
    const client = await connect();
    await expect(client.query('select 1; update t set x = 1 /* gh-multi-write */')).rejects.toMatchObject({
      code: '42501',
      message: expect.stringContaining('this write statement needs approval') as unknown,
    });
    await expectNeverForwarded('gh-multi-write');
    const direct = await cluster.psql('select x from t');
    expect(direct.stdout.trim()).toBe('0');
  });
});

describe('approval rules offline, DDL and dangerous statements', () => {
  it('refuses a write that needs approval with 42501 naming the rule and the approvers', async () => {
    const client = await connect();
    await expect(client.query('update t set x = 2 /* gh-approve-default */')).rejects.toMatchObject({
      code: '42501',
      message: expect.stringMatching(/needs approval by db-approvers, db-leads \(rule "default"\).*offline/) as unknown,
    });
    await expect(client.query('insert into ledger values (100) /* gh-approve-rule */')).rejects.toMatchObject({
      code: '42501',
      message: expect.stringMatching(/needs approval by finance-approvers \(rule "ledger-writes"\)/) as unknown,
    });
    await expect(client.query('update t set x = $1 /* gh-approve-extended */', [2])).rejects.toMatchObject({
      code: '42501',
      message: expect.stringContaining('db-approvers') as unknown,
    });
    expect((await client.query('select x from t')).rows).toEqual([{ x: 0 }]);
    await expectNeverForwarded('gh-approve-default', 'gh-approve-rule', 'gh-approve-extended');
  });

  it('blocks DDL and dangerous statements by rule', async () => {
    const client = await connect();
    const statements = [
      'drop table t /* gh-danger-drop */',
      "copy t to program 'true' /* gh-danger-copy-program */",
      'set role postgres /* gh-danger-set-role */',
      'select pg_sleep(1) /* gh-danger-sleep */',
    ];
    for (const sql of statements) {
      await expect(client.query(sql), sql).rejects.toMatchObject({
        code: '42501',
        message: expect.stringContaining('no-ddl-or-dangerous') as unknown,
      });
    }
    expect((await client.query('select count(*)::int as n from t')).rows).toEqual([{ n: 1 }]);
    expect((await client.query('select current_user as u')).rows).toEqual([{ u: cluster.users.scram.user }]);
    await expectNeverForwarded('gh-danger-');
  });

  it('refuses PREPARE of a write, and EXECUTE of it, as a write', async () => {
    const client = await connect();
    await expect(client.query('prepare w as update t set x = 3 /* gh-prepare-write */')).rejects.toMatchObject({
      code: '42501',
      message: expect.stringContaining('this write statement needs approval') as unknown,
    });
    // The upstream never prepared it, so had this been forwarded it would fail with 26000.
    await expect(client.query('execute w /* gh-execute-write */')).rejects.toMatchObject({ code: '42501' });
    // Extended protocol: the second run of a named statement is only Bind + Execute.
    const named = { name: 'named-write', text: 'update t set x = $1 /* gh-named-write */' };
    for (let i = 0; i < 2; i++) {
      await expect(client.query({ ...named, values: [4] })).rejects.toMatchObject({
        code: '42501',
        message: expect.stringContaining('this write statement needs approval') as unknown,
      });
    }
    expect((await client.query('select x from t')).rows).toEqual([{ x: 0 }]);
    await expectNeverForwarded('gh-prepare-write', 'gh-execute-write', 'gh-named-write');
  });
});

describe('statements sent again', () => {
  it('judges the same EXECUTE text afresh once its prepared statement is gone', async () => {
    const client = await connect();
    await client.query('prepare gh_again as select x from t');
    expect((await client.query('execute gh_again')).rows).toEqual([{ x: 0 }]);
    await client.query('deallocate gh_again');
    // Had the first verdict been kept for the text, this would reach the server and fail
    // there with 26000 (no such prepared statement) instead.
    await expect(client.query('execute gh_again')).rejects.toMatchObject({
      code: '42501',
      message: expect.stringContaining('blocked by rule "no-ddl-or-dangerous"') as unknown,
    });
  });

  it('gives a text every session sends the same verdict in each, through both protocols', async () => {
    const [first, second] = [await connect(), await connect()];
    for (const client of [first, second, first]) {
      expect((await client.query('select x from t /* gh-sent-again */')).rows).toEqual([{ x: 0 }]);
      expect((await client.query({ text: 'select x from t where x = $1 /* gh-sent-again */', values: [0] })).rows).toEqual([{ x: 0 }]);
      await expect(client.query('select secret from forbidden /* gh-sent-again */')).rejects.toMatchObject({ code: '42501' });
      await expect(client.query({ text: 'select secret from forbidden where secret = $1 /* gh-sent-again */', values: ['s'] })).rejects.toMatchObject({ code: '42501' });
    }
    expect(await logged('gh-sent-again')).toHaveLength(6);
    await expectNeverForwarded('select secret from forbidden');
  });
});

describe('the audit spool', () => {
  it('records every statement with its decision, and audit tail prints it readably', async () => {
    const client = await connect();
    const read = await client.query('select id, email from people order by id /* gh-audit-read */');
    expect(read.rows).toHaveLength(2);
    for (const row of read.rows as { email: string }[]) expect(row.email).not.toContain('@example.com');
    await expect(client.query('select 1/0 /* gh-audit-error */')).rejects.toMatchObject({ code: '22012' });
    await expect(client.query('select * from forbidden /* gh-audit-block */')).rejects.toMatchObject({ code: '42501' });
    await expect(client.query('update t set x = 9 /* gh-audit-approve */')).rejects.toMatchObject({ code: '42501' });

    const events = await waitForSpool(spoolDir, (e) => {
      const forwarded = ['gh-audit-read', 'gh-audit-error'].map((m) => statementWith(e, m)[0]);
      return forwarded.every((s) => s !== undefined && resultOf(e, s).length === 1);
    });

    const common = { actor: { user: AUDIT_USER, kind: 'human' }, connection: 'enforcement-test' };
    const [readEvent, ...extraRead] = statementWith(events, 'gh-audit-read');
    expect(extraRead).toEqual([]);
    expect(readEvent).toMatchObject({
      ...common,
      decision: 'allow',
      rule: 'reads',
      statement: { text: 'select id, email from people order by id /* gh-audit-read */', class: 'read', protocol: 'simple' },
    });
    expect(readEvent!.statement!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(Date.parse(readEvent!.time)).toBeGreaterThan(Date.now() - 60_000);
    expect(readEvent!.sessionId).not.toBe('');
    const [readResult] = resultOf(events, readEvent!);
    expect(readResult).toMatchObject({ ...common, sessionId: readEvent!.sessionId, decision: 'allow', rule: 'reads', rows: 2 });
    expect(readResult!.durationMs).toBeGreaterThanOrEqual(0);
    expect(readResult!.maskedColumns?.some((c) => c.includes('email'))).toBe(true);
    expect(readResult!.error).toBeUndefined();

    const [errorEvent] = statementWith(events, 'gh-audit-error');
    expect(errorEvent).toMatchObject({ decision: 'allow', statement: { class: 'read' } });
    expect(resultOf(events, errorEvent!)[0]).toMatchObject({ decision: 'error', rows: 0, error: { sqlstate: '22012' } });

    const [blockEvent, ...extraBlock] = statementWith(events, 'gh-audit-block');
    expect(extraBlock).toEqual([]);
    expect(blockEvent).toMatchObject({
      ...common,
      decision: 'block',
      rule: 'forbidden-off-limits',
      statement: { class: 'read', protocol: 'simple' },
      error: { sqlstate: '42501', message: expect.stringContaining('forbidden-off-limits') as unknown },
    });
    expect(resultOf(events, blockEvent!)).toEqual([]);

    const [approveEvent] = statementWith(events, 'gh-audit-approve');
    expect(approveEvent).toMatchObject({ decision: 'approve', rule: null, statement: { class: 'write' }, error: { sqlstate: '42501' } });

    const tail = await runGatehouse(['audit', 'tail', spoolDir]);
    expect(tail.code, tail.stderr).toBe(0);
    const lines = tail.stdout.split('\n');
    const blockLine = lines.find((l) => l.includes('gh-audit-block'));
    expect(blockLine).toBeDefined();
    expect(blockLine).toContain('BLOCK');
    expect(blockLine).toContain('rule=forbidden-off-limits');
    expect(blockLine).toContain(AUDIT_USER);
    expect(blockLine).toContain('error=42501');
    const readLine = lines.find((l) => l.includes('select id, email from people order by id /* gh-audit-read */'));
    expect(readLine).toContain('ALLOW');
    expect(lines.some((l) => l.includes('result') && l.includes('rows=2') && l.includes('masked='))).toBe(true);
  });

  it('records an extended-protocol refusal once', async () => {
    const client = await connect();
    await expect(client.query('select secret from forbidden where secret = $1 /* gh-audit-extended-block */', ['z'])).rejects.toMatchObject({ code: '42501' });
    const events = await waitForSpool(spoolDir, (e) => statementWith(e, 'gh-audit-extended-block').length > 0);
    const blocked = statementWith(events, 'gh-audit-extended-block');
    expect(blocked.map((e) => ({ decision: e.decision, protocol: e.statement?.protocol }))).toEqual([{ decision: 'block', protocol: 'extended' }]);
  });
});

/** Writes zeros until the file system refuses. */
function fillFileSystem(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(4096);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    expect(err).toMatchObject({ code: 'ENOSPC' });
  } finally {
    closeSync(fd);
  }
}

describe('rows in the audit', () => {
  it('counts the rows a write changed, from its command tag, as well as the rows a read returned', async () => {
    const client = await connect(tmpfsProxy);
    await client.query('insert into ledger values (1), (2), (3) /* gh-rows-insert */');
    await client.query('update ledger set amount = amount + 1 where amount < 3 /* gh-rows-update */');
    expect((await client.query('select amount from ledger where amount > 1 /* gh-rows-select */')).rowCount).toBe(3);
    await client.query('delete from ledger where amount = 2 /* gh-rows-delete */');
    await client.end();
    const events = await spoolEvents(tmpfsSpool);
    const rowsOf = (marker: string): number | undefined => resultOf(events, statementWith(events, marker)[0]!)[0]?.rows;
    expect(rowsOf('gh-rows-insert')).toBe(3);
    expect(rowsOf('gh-rows-update')).toBe(2);
    expect(rowsOf('gh-rows-select')).toBe(3);
    expect(rowsOf('gh-rows-delete')).toBe(1);
  });
});

describe('a full audit disk', () => {
  it('refuses every statement with 53100 while the spool cannot be written, then recovers', async () => {
    const client = await connect(tmpfsProxy);
    expect((await client.query('select 1 as n /* gh-disk-before */')).rows).toEqual([{ n: 1 }]);
    const filler = join(tmpfsMount, 'filler');
    fillFileSystem(filler);
    // Longer than a page, so the event cannot slip into the segment's partly used last page.
    const padding = 'p'.repeat(8192);
    for (const marker of ['gh-disk-full-1', 'gh-disk-full-2']) {
      await expect(client.query(`select 2 as n /* ${marker} ${padding} */`), marker).rejects.toMatchObject({
        code: '53100',
        message: expect.stringContaining('audit spool') as unknown,
      });
    }
    await expectNeverForwarded('gh-disk-full-');

    await rm(filler);
    expect((await client.query('select 3 as n /* gh-disk-recovered */')).rows).toEqual([{ n: 3 }]);
    expect(await logged('gh-disk-recovered')).toHaveLength(1);
    const events = await spoolEvents(tmpfsSpool);
    expect(statementWith(events, 'gh-disk-recovered')).toHaveLength(1);
    expect(statementWith(events, 'gh-disk-before')).toHaveLength(1);
  });
});

describe('policy documents', () => {
  it('an invalid document stops the proxy at start, naming the line and the field', async () => {
    const run = await runGatehouse(['proxy', 'pg', '--upstream', cluster.url({ sslmode: 'require' }), '--policy', INVALID_POLICY, '--audit-spool', join(spoolDir, 'never')]);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${INVALID_POLICY}:8:13 rules.0.action:`);
  });

  it('policy check accepts a valid file and rejects an invalid one with file:line:col path: message', async () => {
    const valid = await runGatehouse(['policy', 'check', ENFORCEMENT_POLICY]);
    expect(valid.code, valid.stderr).toBe(0);
    expect(valid.stdout).toContain('valid policy for connection "enforcement-test"');
    const invalid = await runGatehouse(['policy', 'check', INVALID_POLICY]);
    expect(invalid.code).not.toBe(0);
    expect(invalid.stderr).toMatch(/invalid-action\.yaml:8:13 rules\.0\.action: .*"allow"\|"block"\|"approve"/);
  });

  it('policy explain shows the class, the rule and the decision', async () => {
    const text = await runGatehouse(['policy', 'explain', ENFORCEMENT_POLICY, '--sql', 'insert into ledger values (1)']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^class: +write$/m);
    expect(text.stdout).toMatch(/^rule: +ledger-writes$/m);
    expect(text.stdout).toMatch(/^decision: +approve by finance-approvers$/m);
    const json = await runGatehouse(['policy', 'explain', ENFORCEMENT_POLICY, '--sql', 'update t set a=1', '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ class: 'write', rule: null, decision: 'approve', approvers: ['db-approvers', 'db-leads'] });
    const blocked = await runGatehouse(['policy', 'explain', ENFORCEMENT_POLICY, '--sql', 'drop table t', '--json']);
    expect(JSON.parse(blocked.stdout)).toMatchObject({ class: 'ddl', rule: 'no-ddl-or-dangerous', decision: 'block' });
  });
});
