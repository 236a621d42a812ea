import type { Locator, Page } from 'playwright-core';

/**
 * Driving a terminal tab of `gatehouse ui` in a real browser: opening one from the Connections
 * page, typing into the xterm, and reading what its screen shows (the pane's hidden screen
 * text, which follows the output within a fifth of a second).
 */

const byTestId = (id: string): string => `[data-testid="${id}"]`;

/** Opens a terminal on `connection` with its "Open terminal" button; returns the new tab's pane once its session is open. */
export async function openTerminalFromConnections(page: Page, connection: string, timeoutMs = 30_000): Promise<Locator> {
  await page.click(byTestId('nav-connections'));
  const before = await page.locator(`.terminal-pane[data-connection="${connection}"]`).count();
  await page.locator(byTestId(`connection-${connection}`)).locator(byTestId('open-terminal')).click();
  const pane = page.locator(`.terminal-pane[data-connection="${connection}"]`).nth(before);
  await pane.and(page.locator('[data-state="open"]')).waitFor({ timeout: timeoutMs });
  return pane;
}

/** The visible screen of the active terminal tab, as text (lines joined by \n, trailing blanks trimmed). */
export async function activeTerminalText(page: Page): Promise<string> {
  return (await page.locator(byTestId('terminal-active-text')).textContent()) ?? '';
}

/** Waits until the active terminal's screen satisfies `test`; returns that screen's text. */
export async function waitForTerminalText(page: Page, test: (text: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = await activeTerminalText(page);
    if (test(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the terminal never showed ${what}; its screen:\n${text}`);
}

/** Types a line into the active terminal key by key, as a person would, and presses Enter. */
export async function typeTerminalLine(page: Page, line: string): Promise<void> {
  await page.locator(byTestId('terminal-active')).click();
  await page.keyboard.type(line, { delay: 15 });
  await page.keyboard.press('Enter');
}

/** Puts a whole line into the active terminal at once (as a paste does), then presses Enter. */
export async function pasteTerminalLine(page: Page, line: string): Promise<void> {
  await page.locator(byTestId('terminal-active')).click();
  await page.keyboard.insertText(line);
  await page.keyboard.press('Enter');
}

/** How many rows the active terminal's xterm draws (its DOM renderer has one element per row). */
export async function activeTerminalRows(page: Page): Promise<number> {
  return page.locator(`${byTestId('terminal-active')} .xterm-rows > div`).count();
}
