import { spawn } from 'node:child_process';
import type { OidcClient, OidcTokens } from './oidc-client.ts';
import { startLoopbackSignIn } from './loopback-sign-in.ts';

export { LoginTimeoutError } from './loopback-sign-in.ts';

export interface BrowserLoginOptions {
  oidc: OidcClient;
  /** Where the instructions (and the URL) go; stderr in the CLI. */
  print: (line: string) => void;
  /** Only print the URL (a remote shell, or `--no-browser`). */
  noBrowser?: boolean;
  /** Opens a URL for the user; resolves false if it could not. Default: the system browser. */
  openBrowser?: (url: string) => Promise<boolean>;
  /** How long to wait for the user to finish signing in. Default 5 minutes. */
  timeoutMs?: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/**
 * `gatehouse login`'s sign-in: the loopback redirect of startLoopbackSignIn, with the
 * authorization page opened in the system browser (or printed when there is none).
 */
export async function loginWithBrowser(opts: BrowserLoginOptions): Promise<OidcTokens> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const signIn = await startLoopbackSignIn({ oidc: opts.oidc, timeoutMs, ...(opts.signal === undefined ? {} : { signal: opts.signal }) });
  try {
    const authorizationUrl = signIn.authorizationUrl;
    const useBrowser = opts.noBrowser !== true && hasDisplay(opts.env ?? process.env);
    const opened = useBrowser && (await (opts.openBrowser ?? openSystemBrowser)(authorizationUrl));
    opts.print(opened ? 'Your browser has been opened to sign in. If it did not open, visit:' : 'To sign in, open this address in a browser on this machine:');
    opts.print(`  ${authorizationUrl}`);
    opts.print(`Waiting for the sign-in to finish (up to ${Math.round(timeoutMs / 60_000)} min)…`);
  } catch (err) {
    signIn.cancel(err instanceof Error ? err : new Error(String(err)));
  }
  return signIn.tokens;
}

/** Opens a URL in the user's default browser; false if no opener could be started. */
export function openSystemBrowser(url: string): Promise<boolean> {
  const [command, args] = browserCommand(url);
  return new Promise((resolve) => {
    try {
      const child = spawn(command, args, { stdio: 'ignore', detached: true });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}

function browserCommand(url: string): [string, string[]] {
  switch (process.platform) {
    case 'darwin':
      return ['open', [url]];
    case 'win32':
      // Not `cmd /c start`: cmd would read the & of the query string as a command separator.
      return ['rundll32', ['url.dll,FileProtocolHandler', url]];
    default:
      return ['xdg-open', [url]];
  }
}

/** Linux and BSD have no browser to open without a graphical session (ssh, containers, CI). */
function hasDisplay(env: NodeJS.ProcessEnv): boolean {
  if (process.platform === 'darwin' || process.platform === 'win32') return true;
  return Boolean(env['DISPLAY']) || Boolean(env['WAYLAND_DISPLAY']);
}
