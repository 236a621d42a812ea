import { existsSync, createWriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { openSystemBrowser } from '../../broker/auth/oidc-login.ts';
import { choosePort } from './demo-ports.ts';
import { spawnService } from './demo-processes.ts';
import type { DemoChild } from './demo-processes.ts';

/**
 * The app the demo opens: the Electron app where its binary is installed and the app is built,
 * otherwise `gatehouse ui` (the same UI served to a browser by a headless broker), opened with
 * the system browser when there is a display. Both run as child processes stopped by PID.
 */

export type DemoAppKind = 'electron' | 'browser' | 'none';

export interface DemoApp {
  kind: DemoAppKind;
  /** The `gatehouse ui` address (with its one-time token); null for Electron or when there is no UI. */
  url: string | null;
  /** The UI's port, remembered for the next start; null for Electron or no UI. */
  port: number | null;
  /** What was started, or why nothing was. */
  note: string;
  pid: number | null;
  stop(): Promise<void>;
}

export interface DemoAppOptions {
  serverUrl: string;
  dataDir: string;
  repoRoot: string;
  /** false: start `gatehouse ui` but open no window or browser (--no-open, tests). */
  open: boolean;
  /** The UI's port on an earlier run, asked for again when free. */
  rememberedUiPort?: number;
  env?: NodeJS.ProcessEnv;
}

const UI_READY_TIMEOUT_MS = 90_000;

/** The Electron binary's path when the electron package has one (its postinstall download ran). */
export function electronBinary(repoRoot: string): string | null {
  try {
    const resolved: unknown = createRequire(join(repoRoot, 'package.json'))('electron');
    return typeof resolved === 'string' && existsSync(resolved) ? resolved : null;
  } catch {
    return null;
  }
}

function hasDisplay(env: NodeJS.ProcessEnv): boolean {
  if (process.platform === 'darwin' || process.platform === 'win32') return true;
  return Boolean(env['DISPLAY']) || Boolean(env['WAYLAND_DISPLAY']);
}

function appEnv(options: DemoAppOptions): NodeJS.ProcessEnv {
  // A home of its own: the demo's sign-ins never replace the person's usual `gatehouse login`.
  return { ...(options.env ?? process.env), GATEHOUSE_SERVER: options.serverUrl, GATEHOUSE_HOME: join(options.dataDir, 'home') };
}

async function startElectron(binary: string, main: string, options: DemoAppOptions): Promise<DemoApp> {
  const log = createWriteStream(join(options.dataDir, 'app.log'), { flags: 'a' });
  const child = await spawnService('electron', binary, [main], { cwd: options.repoRoot, env: appEnv(options), stdio: ['ignore', 'pipe', 'pipe'] });
  child.child.stdout?.pipe(log);
  child.child.stderr?.pipe(log);
  return { kind: 'electron', url: null, port: null, note: `Gatehouse app (Electron, PID ${child.pid})`, pid: child.pid, stop: () => child.stop() };
}

/** The line of a failed command's stderr that says why (commander's "error: unknown command 'ui'"). */
function reasonIn(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  return lines.find((line) => /^(error|gatehouse):/i.test(line)) ?? lines[lines.length - 1] ?? '(no output)';
}

async function waitForUrl(child: DemoChild): Promise<{ url: string } | { error: string }> {
  let out = '';
  let err = '';
  child.child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ error: `no ready line within ${UI_READY_TIMEOUT_MS / 1000} s` }), UI_READY_TIMEOUT_MS);
    child.child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const newline = out.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      try {
        const line = JSON.parse(out.slice(0, newline)) as { url?: unknown };
        resolve(typeof line.url === 'string' ? { url: line.url } : { error: `unexpected ready line ${out.slice(0, newline)}` });
      } catch {
        resolve({ error: `unexpected ready line ${out.slice(0, newline)}` });
      }
    });
    void child.exited.then((code) => {
      clearTimeout(timer);
      resolve({ error: `exited with ${code}: ${reasonIn(err)}` });
    });
  });
}

async function spawnUi(options: DemoAppOptions, port: number): Promise<{ child: DemoChild; ready: { url: string } | { error: string } }> {
  // The demo opens the browser itself (or not, with --no-open), so the UI never does.
  const child = await spawnService('gatehouse ui', process.execPath, [join(options.repoRoot, 'bin', 'gatehouse.mjs'), 'ui', '--no-open', '--port', String(port)], {
    cwd: options.repoRoot,
    env: appEnv(options),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ready = await waitForUrl(child);
  const log = createWriteStream(join(options.dataDir, 'ui.log'), { flags: 'a' });
  child.child.stderr?.pipe(log);
  // Keep reading stdout after the ready line, so the child never blocks on a full pipe.
  child.child.stdout?.pipe(log);
  if ('error' in ready) await child.stop();
  return { child, ready };
}

async function startBrowserUi(options: DemoAppOptions, why: string): Promise<DemoApp> {
  const remembered = options.rememberedUiPort === undefined ? 0 : await choosePort(options.rememberedUiPort);
  let { child, ready } = await spawnUi(options, remembered);
  // The remembered port may have been taken between the probe and the UI's bind.
  if ('error' in ready && remembered !== 0 && /EADDRINUSE|address already in use/i.test(ready.error)) ({ child, ready } = await spawnUi(options, 0));
  if ('error' in ready) {
    return { kind: 'none', url: null, port: null, note: `no app: \`gatehouse ui\` did not start (${ready.error})`, pid: null, stop: async () => undefined };
  }
  let opened = false;
  if (options.open && hasDisplay(options.env ?? process.env)) opened = await openSystemBrowser(ready.url);
  const how = opened ? 'opened in your browser' : options.open ? 'open it in a browser on this machine' : 'not opened (--no-open)';
  const port = Number(new URL(ready.url).port) || null;
  const running = child;
  return { kind: 'browser', url: ready.url, port, note: `\`gatehouse ui\` in the browser (${why}; PID ${child.pid}); ${how}`, pid: child.pid, stop: () => running.stop() };
}

export async function startDemoApp(options: DemoAppOptions): Promise<DemoApp> {
  const binary = electronBinary(options.repoRoot);
  const main = join(options.repoRoot, 'out', 'main', 'index.js');
  if (binary !== null && options.open && existsSync(main)) return startElectron(binary, main, options);
  const why = binary === null ? 'Electron is not installed' : !existsSync(main) ? 'the Electron app is not built (npm run build)' : 'no window was wanted';
  return startBrowserUi(options, why);
}
