import type { Locator, Page } from 'playwright-core';

/**
 * Driving the query pane of `gatehouse ui` in a real browser: the active tab's panel, typing a
 * statement into its CodeMirror editor, running it, and reading the outcome.
 */

export type QueryPhase = 'idle' | 'starting' | 'running' | 'waiting' | 'done' | 'failed';

export function activeQueryPanel(page: Page): Locator {
  return page.locator('[data-testid="query-tab-panel"][data-active="true"]');
}

/** Opens (or focuses) a tab for `connection` from the Connections page, as a person would. */
export async function openInQueryPane(page: Page, connection: string): Promise<Locator> {
  await page.click('[data-testid="nav-connections"]');
  const card = page.locator(`[data-testid="connection-${connection}"]`);
  await card.locator('[data-testid="open-in-query"]').click();
  const panel = activeQueryPanel(page);
  await panel.and(page.locator(`[data-connection="${connection}"]`)).waitFor();
  return panel;
}

/**
 * Replaces the editor's text and clicks Run. The text is inserted as one input (not typed key
 * by key) so completion and bracket closing cannot change it on the way in.
 */
export async function runSql(page: Page, sql: string): Promise<Locator> {
  const panel = activeQueryPanel(page);
  const editor = panel.locator('[data-testid="sql-editor-input"]');
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(sql);
  // Inserted text still opens the completion list; close it so it does not cover the result.
  await page.keyboard.press('Escape');
  const typed = await editor.innerText();
  if (typed.replace(/\s+/g, ' ').trim() !== sql.replace(/\s+/g, ' ').trim()) throw new Error(`the editor holds ${JSON.stringify(typed)}, not the statement`);
  await panel.locator('[data-testid="run-button"]').click();
  return panel;
}

/** Waits until the active tab's statement reaches `phase` (the panel's data-phase). */
export async function waitForPhase(page: Page, phase: QueryPhase, timeoutMs = 60_000): Promise<Locator> {
  const panel = page.locator(`[data-testid="query-tab-panel"][data-active="true"][data-phase="${phase}"]`);
  await panel.waitFor({ timeout: timeoutMs });
  return panel;
}

/** The request id the active tab is waiting on, once its approval wait panel shows. */
export async function waitForApprovalWait(page: Page, timeoutMs = 30_000): Promise<{ panel: Locator; requestId: string }> {
  const wait = activeQueryPanel(page).locator('[data-testid="approval-wait"]');
  await wait.waitFor({ timeout: timeoutMs });
  const requestId = await wait.getAttribute('data-request-id');
  if (requestId === null || requestId === '') throw new Error('the approval wait panel names no request');
  return { panel: wait, requestId };
}
