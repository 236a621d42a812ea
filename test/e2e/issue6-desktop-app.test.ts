import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_POSTGRES_CONNECTION } from '../../bin/demo/demo-policies.ts';
import type { RunningDemo } from '../../bin/demo/start-demo.ts';
import { saveScreenshot } from '../support/chromium.ts';
import { appearedAt, recordAppearances } from '../support/e2e-appearance-clock.ts';
import { approvalState, createShortExpiryConnection, demoApiAs, queryDemoDatabase } from '../support/e2e-demo-access.ts';
import type { DemoApi } from '../support/e2e-demo-access.ts';
import { byTestId, E2eDemoStage, failRestAfterFirstFailure } from '../support/e2e-demo-browsers.ts';
import { activeQueryPanel, openInQueryPane, runSql, waitForApprovalWait, waitForPhase } from '../support/e2e-query-pane.ts';
import { choosePolicyServer, signInWithDevIdp } from '../support/e2e-ui-sign-in.ts';

/*
 * Issue 6's end-to-end flows in real Chromium against `gatehouse ui`, one per person: alice
 * (analyst) signs in through the dev IdP's login page on first run, runs SQL on the demo shop
 * database with its PII masked, and asks for a write; bob (approver), in a browser context and
 * `gatehouse ui` of his own, sees the request arrive in his open inbox within a second and
 * decides. Then the other endings of a wait (denied, cancelled, expired) and a 100k-row result.
 */

const MASKED_COLUMNS = ['email', 'phone', 'card_number', 'iban'] as const;
const SAMPLE_ROWS = 20;
const EXPIRING_CONNECTION = 'demo-expiring';

const stage = new E2eDemoStage('issue6');
let demo: RunningDemo | undefined;
let alice: Page;
let bob: Page;
let aliceErrors: string[] = [];
let bobErrors: string[] = [];
let aliceApi: DemoApi;
/** The request of the main flow (step 3), decided by bob in step 4. */
let mainRequestId = '';

/** bob opens the request from his inbox list (his page is already on the inbox) and decides it. */
async function bobDecides(requestId: string, decision: 'approve' | 'deny', comment: string): Promise<void> {
  await bob.click(byTestId('nav-approvals'));
  await bob.locator(`${byTestId('inbox-to-decide')} ${byTestId(`approval-${requestId}`)}`).click();
  const detail = bob.locator(`${byTestId('approval-detail')}[data-request-id="${requestId}"]`);
  await detail.waitFor();
  await detail.locator(byTestId('decision-comment')).fill(comment);
  await detail.locator(byTestId(decision === 'approve' ? 'approve-button' : 'deny-button')).click();
  await bob.locator(`${byTestId('approval-detail')}[data-request-id="${requestId}"]:not([data-state="pending"])`).waitFor();
}

async function customerRow(id: number): Promise<{ city: string; marketing_opt_in: boolean }> {
  const rows = await queryDemoDatabase<{ city: string; marketing_opt_in: boolean }>(demo!, 'select city, marketing_opt_in from customers where id = $1', [id]);
  if (rows[0] === undefined) throw new Error(`no customer ${id}`);
  return rows[0];
}

beforeAll(async () => {
  const [alicePage, bobPage] = await stage.start({ ssh: 'builtin' }, [
    // alice's first run: no server configured, she names it in the app.
    { name: 'alice' },
    { name: 'bob', env: (started) => ({ GATEHOUSE_SERVER: started.serverUrl }) },
  ]);
  demo = stage.demo;
  aliceApi = await demoApiAs(demo!, 'alice');
  ({ page: alice, errors: aliceErrors } = alicePage!);
  ({ page: bob, errors: bobErrors } = bobPage!);
});

afterAll(() => stage.stop());

describe('issue 6: the desktop app in a browser (gatehouse ui)', () => {
  failRestAfterFirstFailure();

  it('1. alice signs in through the dev IdP on first run and opens demo-postgres in the query pane', async () => {
    await alice.locator(byTestId('sign-in-view')).waitFor();
    expect(await alice.inputValue(byTestId('server-url'))).toBe('');
    expect(await alice.isDisabled(byTestId('sign-in'))).toBe(true);

    const issuer = await choosePolicyServer(alice, demo!.serverUrl);
    expect(issuer).toBe(demo!.devIdpIssuer);
    await saveScreenshot(alice, 'issue6-sign-in');

    const landing = await signInWithDevIdp(alice, 'alice', (loginPage) => saveScreenshot(loginPage, 'issue6-dev-idp-login'));
    expect(landing).toContain('Signed in to Gatehouse');
    expect(await alice.innerText(byTestId('signed-in-user'))).toBe('alice');

    const card = alice.locator(byTestId(`connection-${DEMO_POSTGRES_CONNECTION}`));
    await card.waitFor();
    const summary = await card.locator(byTestId('policy-summary')).innerText();
    expect(summary).toMatch(/db-approvers/);
    expect(summary).toMatch(/email/);
    await alice.locator(byTestId('connection-demo-ssh')).waitFor();
    await saveScreenshot(alice, 'issue6-connections');

    // Search narrows the list.
    await alice.fill(byTestId('connection-search'), 'shop database');
    await alice.locator(byTestId('connection-demo-ssh')).waitFor({ state: 'detached' });
    expect(await card.isVisible()).toBe(true);
    await alice.fill(byTestId('connection-search'), '');

    const panel = await openInQueryPane(alice, DEMO_POSTGRES_CONNECTION);
    expect(await alice.locator(byTestId('page-query')).isVisible()).toBe(true);
    expect(await panel.getAttribute('data-phase')).toBe('idle');
    expect(await alice.locator(byTestId('query-tab')).count()).toBe(1);
  });

  it('2. alice runs a SELECT: PII cells are masked in the DOM and no raw value is anywhere in the page', async () => {
    await runSql(alice, `select id, full_name, email, phone, card_number, iban from customers order by id limit ${SAMPLE_ROWS}`);
    const panel = await waitForPhase(alice, 'done');
    expect(await panel.locator(byTestId('result-status')).getAttribute('data-row-count')).toBe(String(SAMPLE_ROWS));
    expect(await panel.locator(byTestId('result-grid')).getAttribute('data-row-count')).toBe(String(SAMPLE_ROWS));

    const raw = await queryDemoDatabase<{ id: number; full_name: string; email: string; phone: string | null; card_number: string | null; iban: string | null }>(
      demo!,
      `select id, full_name, email, phone, card_number, iban from customers order by id limit ${SAMPLE_ROWS}`,
    );
    expect(raw).toHaveLength(SAMPLE_ROWS);

    const headers = await panel.locator(byTestId('result-header')).evaluateAll((els) => els.map((el) => [el.getAttribute('data-masked'), el.textContent]));
    for (const name of MASKED_COLUMNS) expect(headers.find(([, text]) => text?.startsWith(name))?.[0]).toBe('true');

    let nonNullMasked = 0;
    for (const [row, customer] of raw.entries()) {
      // Unmasked columns do show their real values: the page is not simply empty.
      expect(await panel.locator(`${byTestId('result-cell')}[data-row="${row}"][data-column-name="full_name"]`).innerText()).toBe(customer.full_name);
      for (const column of MASKED_COLUMNS) {
        const cell = panel.locator(`${byTestId('masked-cell')}[data-row="${row}"][data-column-name="${column}"]`);
        expect(await cell.getAttribute('data-masked')).toBe('true');
        expect(await cell.getAttribute('class')).toContain('masked-cell');
        expect(await cell.getAttribute('data-mask-rule')).toBeTruthy();
        const shown = (await cell.innerText()).trim();
        const value = customer[column];
        if (value === null) continue;
        nonNullMasked += 1;
        expect(shown).not.toBe(value);
        if (column === 'phone' || column === 'card_number') {
          // last4: only the last four digits survive.
          expect(shown.replace(/\D/g, '')).toBe(value.replace(/\D/g, '').slice(-4));
        }
      }
    }
    expect(nonNullMasked).toBeGreaterThan(SAMPLE_ROWS * 2);

    const html = await alice.content();
    const leaks: string[] = [];
    for (const customer of raw) {
      for (const column of MASKED_COLUMNS) {
        const value = customer[column];
        if (value === null) continue;
        const forms = new Set([value, value.replace(/[\s-]/g, '')]);
        for (const form of forms) if (form.length >= 6 && html.includes(form)) leaks.push(`${column} of customer ${customer.id}: ${form}`);
      }
    }
    expect(leaks).toEqual([]);
    await saveScreenshot(alice, 'issue6-query-masked');
  });

  it('bob signs in (server already configured) and keeps his approval inbox open', async () => {
    await bob.locator(byTestId('sign-in-view')).waitFor();
    expect(await bob.inputValue(byTestId('server-url'))).toBe(demo!.serverUrl);
    await signInWithDevIdp(bob, 'bob');
    expect(await bob.innerText(byTestId('signed-in-user'))).toBe('bob');
    await bob.click(byTestId('nav-approvals'));
    await bob.locator(byTestId('inbox-to-decide')).waitFor();
    expect(await bob.locator(`${byTestId('inbox-to-decide')} [data-testid^="approval-"]`).count()).toBe(0);
  });

  it('3.–5. alice runs an UPDATE and waits; bob sees it within a second and approves; alice gets UPDATE 3', async () => {
    await recordAppearances(bob, 'inbox', `${byTestId('inbox-to-decide')} [data-testid^="approval-"]`, 'data-testid');
    await recordAppearances(alice, 'wait', byTestId('approval-wait'), 'data-request-id');
    const statement = 'update customers set marketing_opt_in = not marketing_opt_in where id in (1, 2, 3)';

    // 3. The pane shows the wait state.
    await runSql(alice, statement);
    const { panel: wait, requestId } = await waitForApprovalWait(alice);
    mainRequestId = requestId;
    expect(await activeQueryPanel(alice).getAttribute('data-phase')).toBe('waiting');
    expect(await wait.locator(byTestId('approval-request-id')).innerText()).toBe(requestId);
    expect(await wait.locator(byTestId('approval-approver-groups')).innerText()).toBe('db-approvers');
    const countdown = wait.locator(byTestId('approval-countdown'));
    const leftAtFirst = Number(await countdown.getAttribute('data-ms-left'));
    expect(leftAtFirst).toBeGreaterThan(14 * 60_000);
    expect(leftAtFirst).toBeLessThanOrEqual(15 * 60_000);
    expect(await countdown.innerText()).toMatch(/\d+:\d\d/);
    await saveScreenshot(alice, 'issue6-approval-wait');

    // 4. bob's open inbox shows it within a second of alice's wait panel.
    const item = bob.locator(`${byTestId('inbox-to-decide')} ${byTestId(`approval-${requestId}`)}`);
    await item.waitFor({ timeout: 10_000 });
    const waitShownAt = await appearedAt(alice, 'wait', requestId);
    const inboxShownAt = await appearedAt(bob, 'inbox', `approval-${requestId}`);
    expect(waitShownAt).not.toBeNull();
    expect(inboxShownAt).not.toBeNull();
    const lagMs = inboxShownAt! - waitShownAt!;
    process.stdout.write(`issue6: bob's inbox showed ${requestId} ${lagMs} ms after alice's wait panel\n`);
    expect(lagMs).toBeLessThan(1000);
    expect(await item.getAttribute('data-state')).toBe('pending');
    await bob.locator(`${byTestId('approvals-badge')}[data-count="1"]`).waitFor();

    await item.click();
    const detail = bob.locator(`${byTestId('approval-detail')}[data-request-id="${requestId}"]`);
    await detail.waitFor();
    expect(await detail.locator(byTestId('approval-sql')).getAttribute('data-sql')).toBe(statement);
    expect(await detail.locator(byTestId('approval-requester')).innerText()).toBe('alice');
    expect(await detail.locator(byTestId('approval-rule')).innerText()).toContain('writes-need-approval');
    expect(await detail.locator(byTestId('approval-class')).innerText()).toBe('write');
    await detail.locator(byTestId('approval-time-left')).waitFor();
    await saveScreenshot(bob, 'issue6-inbox-detail');

    // alice's countdown is live: it ticks down while she waits.
    await wait.locator(`${byTestId('approval-countdown')}:not([data-ms-left="${leftAtFirst}"])`).waitFor({ timeout: 5_000 });
    expect(Number(await countdown.getAttribute('data-ms-left'))).toBeLessThan(leftAtFirst);
  });

  it("alice's own request is listed in her inbox but she cannot decide it", async () => {
    await alice.click(byTestId('nav-approvals'));
    const mine = alice.locator(`${byTestId('inbox-mine')} ${byTestId(`approval-${mainRequestId}`)}`);
    await mine.click();
    const detail = alice.locator(`${byTestId('approval-detail')}[data-request-id="${mainRequestId}"]`);
    await detail.waitFor();
    const reason = (await detail.locator(byTestId('cannot-decide-reason')).innerText()).trim();
    expect(reason.length).toBeGreaterThan(0);
    expect(await detail.locator(byTestId('approve-button')).count()).toBe(0);
    expect(await detail.locator(byTestId('deny-button')).count()).toBe(0);
    expect(await alice.locator(`${byTestId('inbox-to-decide')} ${byTestId(`approval-${mainRequestId}`)}`).count()).toBe(0);
    await saveScreenshot(alice, 'issue6-own-request');

    // The server refuses too, not just the view.
    const attempt = await aliceApi.call('POST', `/v1/approvals/${mainRequestId}/decision`, { decision: 'approve', comment: 'self' });
    expect(attempt.status).toBe(403);
    expect((await approvalState(aliceApi, mainRequestId)).state).toBe('pending');
    await alice.click(byTestId('nav-query'));
    await waitForPhase(alice, 'waiting');
  });

  it('5. bob approves with a comment and alice’s pane turns into the result', async () => {
    const before = await Promise.all([1, 2, 3].map(customerRow));
    await bobDecides(mainRequestId, 'approve', 'ok for the opt-in fix');
    const panel = await waitForPhase(alice, 'done', 30_000);
    const status = panel.locator(byTestId('result-status'));
    expect(await status.getAttribute('data-command')).toBe('UPDATE 3');
    expect(await status.innerText()).toContain('UPDATE 3');
    const granted = await panel.locator(byTestId('approval-granted')).innerText();
    expect(granted).toContain('bob');
    expect(granted).toContain('ok for the opt-in fix');
    const after = await Promise.all([1, 2, 3].map(customerRow));
    expect(after.map((c) => c.marketing_opt_in)).toEqual(before.map((c) => !c.marketing_opt_in));
    expect(['approved', 'executed']).toContain((await approvalState(aliceApi, mainRequestId)).state);
    await saveScreenshot(alice, 'issue6-approved-result');
  });

  it('deny path: bob denies with a comment and alice sees the denial with it', async () => {
    const cityBefore = (await customerRow(4)).city;
    await runSql(alice, "update customers set city = 'Nowhere' where id = 4");
    const { requestId } = await waitForApprovalWait(alice);
    await bob.locator(`${byTestId('inbox-to-decide')} ${byTestId(`approval-${requestId}`)}`).waitFor({ timeout: 10_000 });
    const comment = 'not during the quarter-end freeze';
    await bobDecides(requestId, 'deny', comment);

    await waitForPhase(alice, 'failed', 30_000);
    const outcome = activeQueryPanel(alice).locator(`${byTestId('approval-outcome')}[data-request-id="${requestId}"]`);
    await outcome.and(alice.locator('[data-state="denied"]')).waitFor();
    expect(await outcome.locator(byTestId('approval-denial-comment')).innerText()).toBe(comment);
    expect(await outcome.innerText()).toContain('Denied by bob');
    expect((await customerRow(4)).city).toBe(cityBefore);
    expect((await approvalState(aliceApi, requestId)).state).toBe('denied');
    await saveScreenshot(alice, 'issue6-approval-denied');
  });

  it('cancel: alice cancels a waiting statement and the request is cancelled on the server', async () => {
    const cityBefore = (await customerRow(5)).city;
    await runSql(alice, "update customers set city = 'Cancelled' where id = 5");
    const { panel: wait, requestId } = await waitForApprovalWait(alice);
    const bobItem = bob.locator(byTestId(`approval-${requestId}`));
    await bobItem.and(bob.locator('[data-state="pending"]')).waitFor({ timeout: 10_000 });
    await wait.locator(byTestId('cancel-approval')).click();

    await waitForPhase(alice, 'failed', 30_000);
    expect((await approvalState(aliceApi, requestId)).state).toBe('cancelled');
    await activeQueryPanel(alice).locator(`${byTestId('approval-outcome')}[data-request-id="${requestId}"][data-state="cancelled"]`).waitFor();
    // bob's inbox no longer offers it for a decision.
    await bobItem.and(bob.locator('[data-state="cancelled"]')).waitFor();
    expect(await bob.locator(`${byTestId('inbox-to-decide')} ${byTestId(`approval-${requestId}`)}`).count()).toBe(0);
    expect((await customerRow(5)).city).toBe(cityBefore);
  });

  it('expiry: a request nobody decides expires and the pane says so', async () => {
    await createShortExpiryConnection(demo!, EXPIRING_CONNECTION, '5s');
    await openInQueryPane(alice, EXPIRING_CONNECTION);
    const cityBefore = (await customerRow(6)).city;
    await runSql(alice, "update customers set city = 'Expired' where id = 6");
    const { panel: wait, requestId } = await waitForApprovalWait(alice);
    expect(Number(await wait.locator(byTestId('approval-countdown')).getAttribute('data-ms-left'))).toBeLessThanOrEqual(5_000);

    await waitForPhase(alice, 'failed', 30_000);
    await activeQueryPanel(alice).locator(`${byTestId('approval-outcome')}[data-request-id="${requestId}"][data-state="expired"]`).waitFor({ timeout: 10_000 });
    expect((await approvalState(aliceApi, requestId)).state).toBe('expired');
    expect((await customerRow(6)).city).toBe(cityBefore);
    // Decided requests stay visible for reference.
    await bob.locator(`${byTestId(`approval-${requestId}`)}[data-state="expired"]`).waitFor({ timeout: 10_000 });
    await saveScreenshot(alice, 'issue6-approval-expired');
  });

  it('a 100k-row result streams in and scrolls to its last row', async () => {
    await alice.locator(`${byTestId('query-tab')}[data-connection="${DEMO_POSTGRES_CONNECTION}"]`).click();
    await activeQueryPanel(alice).and(alice.locator(`[data-connection="${DEMO_POSTGRES_CONNECTION}"]`)).waitFor();
    const started = Date.now();
    await runSql(alice, 'select g, md5(g::text) from generate_series(1,100000) g');
    const panel = await waitForPhase(alice, 'done', 180_000);
    process.stdout.write(`issue6: 100k rows shown in ${Date.now() - started} ms\n`);
    expect(await panel.locator(byTestId('result-status')).getAttribute('data-row-count')).toBe('100000');
    const grid = panel.locator(byTestId('result-grid'));
    expect(await grid.getAttribute('data-row-count')).toBe('100000');
    // Virtualized: a few dozen rows in the DOM, not 100k.
    expect(await grid.locator('[role="row"]').count()).toBeLessThan(200);

    await grid.evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    const last = grid.locator('[data-row="99999"][data-col="0"]');
    await last.waitFor();
    expect(await last.innerText()).toBe('100000');
    const gridBox = await grid.boundingBox();
    const lastBox = await last.boundingBox();
    expect(gridBox).not.toBeNull();
    expect(lastBox).not.toBeNull();
    expect(lastBox!.y).toBeGreaterThanOrEqual(gridBox!.y);
    expect(lastBox!.y + lastBox!.height).toBeLessThanOrEqual(gridBox!.y + gridBox!.height + 1);
    expect(await grid.locator('[data-row="0"]').count()).toBe(0);
    await saveScreenshot(alice, 'issue6-grid-100k');
  });

  it('no page errors in either browser', () => {
    expect(aliceErrors).toEqual([]);
    expect(bobErrors).toEqual([]);
  });
});
