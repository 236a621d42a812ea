import type { Page } from 'playwright-core';
import { demoPasswordFor, findDemoUser } from '../../server/dev-idp/demo-users.ts';

/**
 * Signing in to `gatehouse ui` in a real browser, as a person does: the first-run server step,
 * then the dev IdP's login page in the window the app opens, then back to the app, which
 * learns of the sign-in from the broker (session.changed).
 */

const byTestId = (id: string): string => `[data-testid="${id}"]`;

/** The first-run step: names the policy server and waits until the broker has discovered its IdP. */
export async function choosePolicyServer(page: Page, serverUrl: string): Promise<string> {
  await page.waitForSelector(byTestId('sign-in-view'));
  await page.fill(byTestId('server-url'), serverUrl);
  await page.click(byTestId('set-server'));
  const issuer = page.locator(byTestId('issuer'));
  await issuer.waitFor();
  return (await issuer.innerText()).replace(/^Identity provider:\s*/, '').trim();
}

/**
 * Clicks "Sign in", fills the dev IdP's login form in the window the app opened (window.open),
 * and waits until the app shows the signed-in user. `onLoginPage` sees the login page first
 * (e.g. for a screenshot). Returns the text of the page the loopback
 * redirect landed on.
 */
export async function signInWithDevIdp(page: Page, username: string, onLoginPage?: (loginPage: Page) => Promise<unknown>): Promise<string> {
  if (findDemoUser(username) === undefined) throw new Error(`${username} is not a dev IdP user`);
  await page.waitForSelector(`${byTestId('sign-in')}:not([disabled])`);
  const [popup] = await Promise.all([page.context().waitForEvent('page'), page.click(byTestId('sign-in'))]);
  try {
    await popup.waitForSelector('input[name="username"]');
    const title = await popup.title();
    if (!title.includes('Gatehouse dev IdP')) throw new Error(`the sign-in window shows "${title}", not the dev IdP's login page`);
    await onLoginPage?.(popup);
    await popup.fill('input[name="username"]', username);
    await popup.fill('input[name="password"]', demoPasswordFor(username));
    await Promise.all([popup.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/callback/), popup.click('button[type="submit"]')]);
    // The app names people by their preferred_username.
    await page.locator(byTestId('signed-in-user')).filter({ hasText: username }).waitFor();
    return await popup.innerText('body');
  } finally {
    await popup.close();
  }
}
