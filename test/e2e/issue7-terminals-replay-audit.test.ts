import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_POSTGRES_CONNECTION, DEMO_SSH_CONNECTION } from '../../bin/demo/demo-policies.ts';
import { auditRows } from '../../renderer/features/audit/audit-rows.ts';
import { auditRecordSchema, auditSearchPageSchema } from '../../shared/api/audit.ts';
import type { AuditRecord } from '../../shared/api/audit.ts';
import { recordingListSchema, recordingSearchSchema } from '../../shared/api/recordings.ts';
import type { RecordingSummary } from '../../shared/api/recordings.ts';
import { saveScreenshot } from '../support/chromium.ts';
import { demoApiAs } from '../support/e2e-demo-access.ts';
import type { DemoApi } from '../support/e2e-demo-access.ts';
import { byTestId, E2E_VIEWPORT, E2eDemoStage, failRestAfterFirstFailure } from '../support/e2e-demo-browsers.ts';
import { captureDownload } from '../support/e2e-download.ts';
import { activeQueryPanel, openInQueryPane, runSql, waitForApprovalWait, waitForPhase } from '../support/e2e-query-pane.ts';
import { serverScreenText } from '../support/e2e-server-screen.ts';
import { activeTerminalRows, openTerminalFromConnections, pasteTerminalLine, typeTerminalLine, waitForTerminalText } from '../support/e2e-terminal.ts';
import { signInWithDevIdp } from '../support/e2e-ui-sign-in.ts';

/*
 * Issue 7's end-to-end flows in real Chromium against `gatehouse ui`, one per person, on the
 * one-command demo: alice (analyst) works in an SSH terminal to the demo host and runs SQL
 * whose UPDATE bob approves; carol (auditor), in a browser context and `gatehouse ui` of her
 * own, cannot open anything, finds alice's terminal session by a word alice typed, replays it
 * (at the hit, at the middle, at 4×), and reads, exports and verifies the audit trail.
 */

/** alice's browser shrinks to this while her terminal is open: the terminal refits to fewer rows and columns. */
const SMALL_VIEWPORT = { width: 1000, height: 620 };
/** What alice types, and what the shell answers: carol searches for the word. */
const TYPED_WORD = 'zebra';
const TYPED_COMMAND = `echo ${TYPED_WORD}-$((7*6))`;
const SHOWN_OUTPUT = `${TYPED_WORD}-42`;
/** In alice's SQL: her query pane's results are known by the columns it names, carol's audit rows by their text. */
const SQL_MARK = 'okapi';
const SIZE_COMMAND = 'echo "size $(stty size)"';

const stage = new E2eDemoStage('issue7');
let alice: Page;
let carol: Page;
let aliceErrors: string[] = [];
let carolErrors: string[] = [];
let bobApi: DemoApi;
let carolApi: DemoApi;
/** The UPDATE's approval request, decided by bob. */
let updateRequestId = '';
const aliceStatements = [
  `select count(*) as ${SQL_MARK}_customers from customers`,
  `select city, count(*) as ${SQL_MARK}_n from customers group by city order by 2 desc limit 5`,
  `update customers set marketing_opt_in = not marketing_opt_in where id = 7 and city <> '${SQL_MARK}'`,
];

/** Polls `read` until it returns a value (not undefined) or the time is up. */
async function eventually<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await read();
      if (value !== undefined) return value;
    } catch (e) {
      lastError = e;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${lastError === undefined ? '' : `: ${(lastError as Error).message}`}`);
}

function lastSttySize(text: string): { rows: number; cols: number } | undefined {
  const matches = [...text.matchAll(/^size (\d+) (\d+)$/gm)];
  const last = matches[matches.length - 1];
  return last === undefined ? undefined : { rows: Number(last[1]), cols: Number(last[2]) };
}

function countSizeLines(text: string): number {
  return [...text.matchAll(/^size \d+ \d+$/gm)].length;
}

/** Every audit record the filter selects, as carol reads them through the server's API. */
async function auditRecordsAsCarol(filter: Record<string, string>): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  let after: number | null = null;
  do {
    const params = new URLSearchParams({ ...filter, limit: '1000', ...(after === null ? {} : { after: String(after) }) });
    const reply = await carolApi.call('GET', `/v1/audit/search?${params.toString()}`);
    if (reply.status !== 200) throw new Error(`GET /v1/audit/search answered ${reply.status}: ${JSON.stringify(reply.json)}`);
    const page = auditSearchPageSchema.parse(reply.json);
    records.push(...page.records);
    after = page.nextAfter;
  } while (after !== null);
  return records;
}

/** The screen text the player shows once a seek to `tMs` has settled (paused, text read at exactly t). */
async function playerTextAt(tMs: number): Promise<string> {
  const text = carol.locator(`${byTestId('player-screen-text')}[data-state="paused"][data-t="${tMs}"]`);
  await text.waitFor({ state: 'attached', timeout: 15_000 });
  return (await text.textContent()) ?? '';
}

beforeAll(async () => {
  const env = (demo: { serverUrl: string }): NodeJS.ProcessEnv => ({ GATEHOUSE_SERVER: demo.serverUrl });
  const [alicePage, carolPage] = await stage.start({ ssh: 'auto' }, [
    { name: 'alice', env },
    { name: 'carol', env, context: { acceptDownloads: true } },
  ]);
  [bobApi, carolApi] = await Promise.all([demoApiAs(stage.demo!, 'bob'), demoApiAs(stage.demo!, 'carol')]);
  ({ page: alice, errors: aliceErrors } = alicePage!);
  ({ page: carol, errors: carolErrors } = carolPage!);
});

afterAll(() => stage.stop());

describe('issue 7: terminals, replay and the audit views in a browser (gatehouse ui)', () => {
  failRestAfterFirstFailure(async () => {
    // What each person saw when it failed.
    for (const [name, page] of [['alice', alice], ['carol', carol]] as const) await saveScreenshot(page, `issue7-failed-${name}`).catch(() => undefined);
  });

  /** alice's recording of this terminal session, once the server has all of it. */
  let recording: RecordingSummary;

  it('1. alice opens a terminal to demo-ssh, runs commands, resizes it, and exits', async () => {
    await signInWithDevIdp(alice, 'alice');
    const pane = await openTerminalFromConnections(alice, DEMO_SSH_CONNECTION);
    expect(alice.url()).toContain('#/terminals');
    expect(await pane.getAttribute('data-terminal-id')).toMatch(/\S/);
    const recorded = pane.locator(byTestId('terminal-recorded'));
    await recorded.waitFor();
    expect(await recorded.getAttribute('data-recorded')).toBe('true');
    expect((await recorded.textContent())?.toLowerCase()).toContain('this session is recorded');
    // The shell's prompt: it is ready for input.
    await waitForTerminalText(alice, (text) => text.trim() !== '', 'a prompt');

    await typeTerminalLine(alice, SIZE_COMMAND);
    const before = lastSttySize(await waitForTerminalText(alice, (text) => countSizeLines(text) === 1, 'the output of stty size'))!;
    expect(before.rows).toBe(await activeTerminalRows(alice));

    // A whole line at once, as a paste: the word appears on one prompt line and in the output.
    await pasteTerminalLine(alice, TYPED_COMMAND);
    const shown = await waitForTerminalText(alice, (text) => text.split('\n').includes(SHOWN_OUTPUT), SHOWN_OUTPUT);
    expect(shown).toContain(TYPED_COMMAND);
    await typeTerminalLine(alice, 'uname -s; echo "home=$HOME"');
    await waitForTerminalText(alice, (text) => /^home=\//m.test(text), 'the home directory');
    // Output for a few seconds: the recording gets a middle worth seeking to and room to play at 4×.
    await typeTerminalLine(alice, 'for i in 1 2 3 4 5 6; do echo tick-$i; sleep 1; done');
    await waitForTerminalText(alice, (text) => text.split('\n').includes('tick-6'), 'the last tick', 20_000);
    await saveScreenshot(alice, 'issue7-terminal');

    // The browser window shrinks: xterm refits, the session learns the new size, stty sees it.
    await alice.setViewportSize(SMALL_VIEWPORT);
    await eventually('the terminal to refit', async () => ((await activeTerminalRows(alice)) < before.rows ? true : undefined), 10_000, 100);
    let after: { rows: number; cols: number } | undefined;
    for (let attempt = 1; attempt <= 3 && (after === undefined || (after.rows === before.rows && after.cols === before.cols)); attempt++) {
      const lines = countSizeLines(await waitForTerminalText(alice, () => true, 'anything'));
      await typeTerminalLine(alice, SIZE_COMMAND);
      after = lastSttySize(await waitForTerminalText(alice, (text) => countSizeLines(text) > lines, 'a new output of stty size'));
    }
    expect(after!.rows).toBeLessThan(before.rows);
    expect(after!.cols).toBeLessThan(before.cols);
    expect(after!.rows).toBe(await activeTerminalRows(alice));

    await typeTerminalLine(alice, 'exit');
    const ended = pane.locator(byTestId('terminal-ended'));
    await ended.waitFor({ timeout: 15_000 });
    expect(await ended.getAttribute('data-state')).toBe('ended');
    expect(await ended.getAttribute('data-reason')).toBe('exited');
    expect(await pane.getAttribute('data-state')).toBe('ended');
    await pane.locator(byTestId('terminal-reconnect')).waitFor();
    await alice.setViewportSize(E2E_VIEWPORT);
  });

  it('2. alice runs statements on demo-postgres; bob approves her UPDATE', async () => {
    await openInQueryPane(alice, DEMO_POSTGRES_CONNECTION);
    // Each read is known by the column it names (a constant would be masked: the statement reads masked columns).
    for (const [statement, column] of [
      [aliceStatements[0]!, `${SQL_MARK}_customers`],
      [aliceStatements[1]!, `${SQL_MARK}_n`],
    ] as const) {
      await runSql(alice, statement);
      await activeQueryPanel(alice).locator(byTestId('result-header'), { hasText: column }).waitFor({ timeout: 30_000 });
      await waitForPhase(alice, 'done');
    }
    await runSql(alice, aliceStatements[2]!);
    const { requestId } = await waitForApprovalWait(alice);
    updateRequestId = requestId;
    const decided = await bobApi.call('POST', `/v1/approvals/${encodeURIComponent(requestId)}/decision`, { decision: 'approve', comment: `${SQL_MARK}: fine` });
    expect(decided.status).toBe(200);
    const panel = await waitForPhase(alice, 'done', 30_000);
    expect(await panel.locator(byTestId('result-status')).getAttribute('data-command')).toBe('UPDATE 1');
  });

  it('3. carol (auditor) signs in: no Query or Terminals, no Open buttons, and the server refuses her a lease', async () => {
    await signInWithDevIdp(carol, 'carol');
    expect(await carol.innerText(byTestId('signed-in-user'))).toBe('carol');
    await carol.locator(byTestId('nav-recordings')).waitFor();
    await carol.locator(byTestId('nav-audit')).waitFor();
    expect(await carol.locator(byTestId('nav-query')).count()).toBe(0);
    expect(await carol.locator(byTestId('nav-terminals')).count()).toBe(0);

    await carol.click(byTestId('nav-connections'));
    const page = carol.locator(byTestId('page-connections'));
    // Auditors see every connection, so the card is there, without any action to open it.
    await page.locator(byTestId(`connection-${DEMO_SSH_CONNECTION}`)).waitFor();
    for (const button of ['open-terminal', 'open-in-query', 'open-local-port']) expect(await page.locator(byTestId(button)).count()).toBe(0);

    // Asking for a terminal by address opens none either.
    await carol.evaluate(`location.hash = '#/terminals?open=${DEMO_SSH_CONNECTION}'`);
    await carol.waitForTimeout(500);
    expect(await carol.locator('.terminal-pane').count()).toBe(0);
    expect(await carol.locator(byTestId('page-terminals')).count()).toBe(0);

    for (const connection of [DEMO_SSH_CONNECTION, DEMO_POSTGRES_CONNECTION]) {
      const lease = await carolApi.call('POST', '/v1/leases', { connection, brokerSessionId: `e2e-carol-${connection}` });
      expect(lease.status).toBe(403);
      expect(JSON.stringify(lease.json)).not.toContain('credential');
    }
  });

  it('4. carol finds the session by the word alice typed and opens it at the hit', async () => {
    // The broker uploads the recording after the session ends; the server indexes its screen text.
    recording = await eventually(
      "alice's complete recording",
      async () => {
        const reply = await carolApi.call('GET', `/v1/recordings?connection=${DEMO_SSH_CONNECTION}&user=alice`);
        const found = recordingListSchema.parse(reply.json).recordings.find((r) => r.complete);
        return found;
      },
      60_000,
      500,
    );
    const search = await carolApi.call('GET', `/v1/recordings/search?q=${TYPED_WORD}`);
    const serverResult = recordingSearchSchema.parse(search.json).results.find((r) => r.recording.id === recording.id);
    expect(serverResult?.hitCount).toBeGreaterThanOrEqual(1);

    await carol.click(byTestId('nav-recordings'));
    await carol.fill(byTestId('recordings-search'), TYPED_WORD);
    const result = carol.locator(`${byTestId('recordings-results')} ${byTestId(`recording-${recording.id}`)}`);
    await result.waitFor({ timeout: 15_000 });
    const hitCount = Number(await result.getAttribute('data-hit-count'));
    expect(hitCount).toBeGreaterThanOrEqual(1);
    expect(hitCount).toBe(serverResult!.hitCount);
    expect(await result.locator(byTestId('recording-hit-count')).innerText()).toContain(String(hitCount));
    expect(await result.innerText()).toContain('alice');
    await saveScreenshot(carol, 'issue7-recordings-search');

    const hit = result.locator(byTestId('recording-hit'), { hasText: SHOWN_OUTPUT }).first();
    const hitT = Number(await hit.getAttribute('data-t'));
    expect(hitT).toBeGreaterThan(0);
    await hit.click();
    const player = carol.locator(`${byTestId('player')}[data-recording-id="${recording.id}"]`);
    await player.waitFor();
    const atHit = await playerTextAt(hitT);
    expect(atHit.split('\n')).toContain(SHOWN_OUTPUT);
    expect(await carol.locator(byTestId('player-time')).getAttribute('data-ms')).toBe(String(hitT));
    expect(atHit).toBe(await serverScreenText(carolApi, recording.id, hitT));
    // The hits of the search are marked on the timeline.
    expect(await carol.locator(`${byTestId('player-marker')}[data-kind="hit"]`).count()).toBeGreaterThanOrEqual(1);
    await saveScreenshot(carol, 'issue7-player');
  });

  it('carol seeks to the middle: the screen equals the server’s screen at that t', async () => {
    const timeline = carol.locator(byTestId('player-timeline'));
    const box = (await timeline.boundingBox())!;
    const markers = await carol.locator(byTestId('player-marker')).evaluateAll((els) => els.map((el) => el.getBoundingClientRect()).map((r) => ({ left: r.left, right: r.right })));
    // Near the middle, but not on a marker (a marker's click seeks to the marker instead).
    let x = box.width / 2;
    for (let step = 1; markers.some((m) => box.x + x >= m.left - 2 && box.x + x <= m.right + 2) && step < 40; step++) x = box.width / 2 + (step % 2 === 0 ? 1 : -1) * Math.ceil(step / 2) * 4;
    const previous = await carol.locator(byTestId('player-time')).getAttribute('data-ms');
    await timeline.click({ position: { x, y: box.height / 2 } });
    const time = carol.locator(byTestId('player-time'));
    await carol.locator(`${byTestId('player-time')}:not([data-ms="${previous}"])`).waitFor();
    const t = Number(await time.getAttribute('data-ms'));
    expect(t).toBeGreaterThan(recording.durationMs * 0.35);
    expect(t).toBeLessThan(recording.durationMs * 0.65);
    const shown = await playerTextAt(t);
    expect(shown.split('\n')).toContain('tick-1');
    expect(shown).toBe(await serverScreenText(carolApi, recording.id, t));
    await saveScreenshot(carol, 'issue7-player-middle');
  });

  it('carol plays at 4×: the clock runs about four times faster than the wall clock', async () => {
    const player = carol.locator(byTestId('player'));
    // Idle gaps are not skipped, so only the speed moves the clock.
    const skipIdle = carol.getByLabel('Skip idle');
    if (await skipIdle.isChecked()) await skipIdle.uncheck({ force: true });
    const speed = carol.locator(`select${byTestId('player-speed')}, ${byTestId('player-speed')} select`).first();
    await speed.selectOption('4');
    expect(await speed.inputValue()).toBe('4');
    // From the start, so the whole measurement fits in the recording.
    await player.focus();
    await carol.keyboard.press('Home');
    await playerTextAt(0);

    const time = carol.locator(byTestId('player-time'));
    await carol.click(byTestId('player-play'));
    await carol.locator(`${byTestId('player-play')}[data-playing="true"]`).waitFor();
    await carol.locator(`${byTestId('player-time')}:not([data-ms="0"])`).waitFor();
    const t0 = Number(await time.getAttribute('data-ms'));
    const wall0 = Date.now();
    await carol.waitForTimeout(1500);
    const t1 = Number(await time.getAttribute('data-ms'));
    const wall = Date.now() - wall0;
    const ended = (await player.getAttribute('data-state')) === 'ended';
    const rate = (t1 - t0) / wall;
    process.stdout.write(`issue7: at 4× the player moved ${t1 - t0} ms in ${wall} ms of wall time (×${rate.toFixed(2)})${ended ? ', and reached the end' : ''}\n`);
    if (ended) {
      // Reached the end sooner than real time would have.
      expect(t1).toBeGreaterThanOrEqual(recording.durationMs - 1);
      expect(t1 - t0).toBeGreaterThan(wall);
    } else {
      expect(rate).toBeGreaterThan(2.5);
      expect(rate).toBeLessThan(6);
    }
    if (!ended) await carol.click(byTestId('player-play'));
    await carol.locator(`${byTestId('player-play')}[data-playing="false"]`).waitFor();
  });

  it("5. the audit table shows alice's statements and bob's approval; export gives the same rows; the chain is intact", async () => {
    // Everything on demo-postgres: alice's statements with their outcomes folded in, and the approval's story.
    const filter = { connection: DEMO_POSTGRES_CONNECTION };
    // The broker ships its audit spool in the background; wait until the trail holds the whole flow and stops growing.
    let previous = '';
    const records = await eventually(
      "alice's statements and bob's decision in the trail",
      async () => {
        const found = await auditRecordsAsCarol(filter);
        const ids = found.map((r) => r.id).join();
        const complete =
          aliceStatements.every((s) => found.some((r) => r.kind === 'statement' && r.actor === 'alice' && r.text === s)) &&
          found.filter((r) => r.kind === 'statement_result').length >= aliceStatements.length &&
          found.some((r) => r.kind === 'approval.decided' && r.actor === 'bob' && r.decision === 'approve' && r.event.requestId === updateRequestId);
        const stable = complete && ids === previous;
        previous = ids;
        return stable ? found : undefined;
      },
      60_000,
      1000,
    );

    await carol.click(byTestId('nav-audit'));
    await carol.locator(byTestId('audit-table')).waitFor();
    await carol.fill(byTestId('audit-filter-connection'), DEMO_POSTGRES_CONNECTION);
    const expectedRows = auditRows(records);
    await carol.locator(`${byTestId('audit-count')}[data-loaded="${records.length}"][data-more="false"]`).waitFor({ timeout: 15_000 });
    const rowIds = await carol.locator(`${byTestId('audit-table')} [data-testid^="audit-row-"]`).evaluateAll((els) => els.map((el) => el.getAttribute('data-testid')!.replace(/^audit-row-/, '')));
    expect(rowIds).toEqual(expectedRows.map((r) => r.id));

    // alice's statements, by their text.
    for (const statement of aliceStatements) {
      const row = carol.locator(`${byTestId('audit-table')} [data-testid^="audit-row-"][data-kind="statement"]`, { hasText: statement });
      expect(await row.count()).toBe(1);
      expect(await row.innerText()).toContain('alice');
    }
    // The outcome is folded into its statement's row: the city breakdown returned five rows.
    const cities = carol.locator(`${byTestId('audit-table')} [data-testid^="audit-row-"][data-kind="statement"]`, { hasText: aliceStatements[1]! });
    expect((await cities.locator('[role="cell"]').nth(7).innerText()).trim()).toBe('5');
    const update = carol.locator(`${byTestId('audit-table')} [data-testid^="audit-row-"][data-kind="statement"]`, { hasText: aliceStatements[2]! });
    expect(await update.innerText()).toContain('writes-need-approval');
    // bob's approval of it.
    const approval = carol.locator(`${byTestId('audit-table')} [data-testid^="audit-row-"][data-kind="approval.decided"][data-decision="approve"]`);
    expect(await approval.count()).toBe(1);
    expect(await approval.innerText()).toContain('bob');
    expect(await approval.innerText()).toContain(aliceStatements[2]!);
    await saveScreenshot(carol, 'issue7-audit');

    // The export of the current filter: the same records, and as a table the same rows.
    const { filename, text } = await captureDownload(carol, () => carol.click(byTestId('audit-export-jsonl')));
    expect(filename).toMatch(/\.jsonl$/);
    const exported = text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => auditRecordSchema.parse(JSON.parse(line)));
    const status = carol.locator(`${byTestId('audit-export-status')}[data-format="jsonl"]`);
    await status.waitFor();
    expect(Number(await status.getAttribute('data-rows'))).toBe(exported.length);
    expect(exported.map((r) => r.id)).toEqual(records.map((r) => r.id));
    expect(auditRows(exported).map((r) => r.id)).toEqual(rowIds);

    await carol.click(byTestId('audit-verify'));
    const chain = carol.locator(byTestId('chain-status'));
    await carol.locator(`${byTestId('chain-status')}:not([data-state="unknown"]):not([data-state="checking"])`).waitFor({ timeout: 30_000 });
    expect(await chain.getAttribute('data-state')).toBe('intact');
    expect(await chain.innerText()).toMatch(/records checked/);
    await saveScreenshot(carol, 'issue7-audit-verified');
  });

  it('no page errors in either browser', () => {
    expect(aliceErrors).toEqual([]);
    expect(carolErrors).toEqual([]);
  });
});
