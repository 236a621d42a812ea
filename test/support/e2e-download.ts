import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';

/** Runs `trigger` (a click on an export button) and returns the file the page downloaded because of it. */
export async function captureDownload(page: Page, trigger: () => Promise<unknown>, timeoutMs = 30_000): Promise<{ filename: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: timeoutMs }), trigger()]);
  const failure = await download.failure();
  if (failure !== null) throw new Error(`the download of ${download.suggestedFilename()} failed: ${failure}`);
  const path = await download.path();
  return { filename: download.suggestedFilename(), text: await readFile(path, 'utf8') };
}
