import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterEach, beforeEach } from 'vitest';
import { startDemo } from '../../bin/demo/start-demo.ts';
import type { DemoOptions, RunningDemo } from '../../bin/demo/start-demo.ts';
import { launchChromium, watchPageErrors } from './chromium.ts';
import { startGatehouseUi } from './gatehouse-ui.ts';
import type { RunningGatehouseUi } from './gatehouse-ui.ts';

/*
 * The stage of the browser end-to-end tests: the one-command demo in a fresh data dir, one
 * `gatehouse ui` per person (each its own GATEHOUSE_HOME), and one Chromium with a context and
 * page per person, already on that person's UI.
 */

export const byTestId = (id: string): string => `[data-testid="${id}"]`;

export const E2E_VIEWPORT = { width: 1440, height: 900 };

export interface E2ePerson {
  name: string;
  /** The environment of this person's `gatehouse ui`, given the started demo. */
  env?: (demo: RunningDemo) => NodeJS.ProcessEnv;
  context?: BrowserContextOptions;
}

export interface E2ePersonPage {
  page: Page;
  /** Page and console errors seen so far (watchPageErrors). */
  errors: string[];
}

export class E2eDemoStage {
  demo: RunningDemo | undefined;
  private browser: Browser | undefined;
  private dataDir: string | undefined;
  private readonly uis: RunningGatehouseUi[] = [];

  constructor(private readonly label: string) {}

  /** Starts the demo, then every person's UI and Chromium at once; resolves with each person's page, in order. */
  async start(demoOptions: Omit<DemoOptions, 'dataDir' | 'reset' | 'open' | 'app'>, people: readonly E2ePerson[]): Promise<E2ePersonPage[]> {
    this.dataDir = await mkdtemp(join(tmpdir(), `gatehouse-e2e-${this.label}-`));
    const demo = await startDemo({ ...demoOptions, dataDir: this.dataDir, reset: true, open: false, app: false });
    this.demo = demo;
    // Each is remembered as soon as it runs, so stop() ends it even when another failed to start.
    const [browser, ...uis] = await Promise.all([
      launchChromium().then((b) => (this.browser = b)),
      ...people.map((person) =>
        startGatehouseUi(person.name, person.env === undefined ? {} : { env: person.env(demo) }).then((ui) => {
          this.uis.push(ui);
          return ui;
        }),
      ),
    ]);
    const pages: E2ePersonPage[] = [];
    for (const [i, person] of people.entries()) {
      const page = await (await browser.newContext({ viewport: E2E_VIEWPORT, ...person.context })).newPage();
      const errors = watchPageErrors(page);
      await page.goto(uis[i]!.url);
      pages.push({ page, errors });
    }
    return pages;
  }

  /** Stops whatever started, each step even when an earlier one failed. */
  async stop(): Promise<void> {
    const dataDir = this.dataDir;
    const steps: Array<() => Promise<unknown>> = [
      async () => this.browser?.close(),
      ...this.uis.map((ui) => () => ui.stop()),
      async () => this.demo?.stop(),
      async () => (dataDir === undefined ? undefined : rm(dataDir, { recursive: true, force: true })),
    ];
    for (const step of steps) {
      try {
        await step();
      } catch (e) {
        process.stderr.write(`${this.label} e2e cleanup: ${(e as Error).message}\n`);
      }
    }
  }
}

/**
 * For a describe whose steps each build on the one before: after a failure the rest fail at
 * once instead of waiting out their timeouts. `onFirstFailure` runs once, after the first failed step.
 */
export function failRestAfterFirstFailure(onFirstFailure?: () => Promise<void>): void {
  let earlierFailure: string | null = null;
  beforeEach(() => {
    if (earlierFailure !== null) throw new Error(`not run: the earlier step "${earlierFailure}" failed`);
  });
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail' || earlierFailure !== null) return;
    earlierFailure = context.task.name;
    await onFirstFailure?.();
  });
}
