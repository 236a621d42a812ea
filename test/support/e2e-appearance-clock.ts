import type { Page } from 'playwright-core';

/**
 * When did an element first appear in a page? A MutationObserver inside the page notes the
 * wall-clock time (Date.now()) the first element matching `selector` with a given key
 * attribute value entered the DOM. Pages of one browser share the machine's clock, so times
 * noted in two pages (alice's wait panel, bob's inbox entry) can be compared directly, without
 * the polling delay of waiting from the test process.
 */

function slot(name: string): string {
  return JSON.stringify(`__gatehouseAppearances_${name}`);
}

export async function recordAppearances(page: Page, name: string, selector: string, keyAttribute: string): Promise<void> {
  // A string, not a function: the test project compiles without the DOM library.
  await page.evaluate(`(() => {
    const seen = {};
    window[${slot(name)}] = seen;
    const record = () => {
      const now = Date.now();
      for (const element of document.querySelectorAll(${JSON.stringify(selector)})) {
        const key = element.getAttribute(${JSON.stringify(keyAttribute)});
        if (key && !(key in seen)) seen[key] = now;
      }
    };
    new MutationObserver(record).observe(document.documentElement, { subtree: true, childList: true, attributes: true });
    record();
  })()`);
}

/** The time (ms since the epoch) `key` first appeared, or null if it has not (yet). */
export async function appearedAt(page: Page, name: string, key: string): Promise<number | null> {
  const at = await page.evaluate(`(window[${slot(name)}] ?? {})[${JSON.stringify(key)}] ?? null`);
  return typeof at === 'number' ? at : null;
}
