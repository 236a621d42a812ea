import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import type { OidcClient, OidcTokens } from './oidc-client.ts';

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

export class LoginTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`sign-in was not completed within ${Math.round(timeoutMs / 1000)} s`);
    this.name = 'LoginTimeoutError';
  }
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const CALLBACK_PATH = '/callback';

/**
 * Authorization code + PKCE through the system browser, with a one-shot loopback redirect on
 * 127.0.0.1 and a random port (RFC 8252 §7.3). State, nonce and the PKCE verifier are fresh per
 * attempt and checked by openid-client when the code is redeemed.
 */
export async function loginWithBrowser(opts: BrowserLoginOptions): Promise<OidcTokens> {
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const codeChallenge = await oidc.calculatePKCECodeChallenge(codeVerifier);
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  let settle: { resolve: (tokens: OidcTokens) => void; reject: (err: unknown) => void } | undefined;
  const result = new Promise<OidcTokens>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // A timeout or a failed exchange may land while the browser is still being opened, before
  // anyone awaits `result`; it is awaited below, this only keeps Node from calling it unhandled.
  result.catch(() => undefined);
  let handled = false;
  let redirectUri = '';

  const server = createServer((req, res) => {
    void handleRequest(req, res);
  });

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', redirectUri);
    if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH) {
      sendPage(res, 404, 'Not found', 'This address only receives the Gatehouse sign-in.');
      return;
    }
    // Anything without our state was not started by this login (a stale tab, or a forged link):
    // turn it away and keep waiting for the real answer.
    if (handled || url.searchParams.get('state') !== state) {
      sendPage(res, 400, 'Not this sign-in', 'This page does not belong to the sign-in Gatehouse is waiting for. Start again from the terminal if needed.');
      return;
    }
    handled = true;
    try {
      const tokens = await opts.oidc.exchangeCode(url, { codeVerifier, state, nonce });
      sendPage(res, 200, 'Signed in to Gatehouse', 'You can close this tab and return to the terminal.');
      settle?.resolve(tokens);
    } catch (err) {
      sendPage(res, 400, 'Sign-in failed', `${errorMessage(err)}. Return to the terminal and try again.`);
      settle?.reject(err);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  redirectUri = `http://127.0.0.1:${port}${CALLBACK_PATH}`;

  const timer = setTimeout(() => settle?.reject(new LoginTimeoutError(timeoutMs)), timeoutMs);
  const onAbort = (): void => settle?.reject(opts.signal?.reason ?? new Error('sign-in cancelled'));
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const authorizationUrl = opts.oidc.authorizationUrl({ redirectUri, codeChallenge, state, nonce }).href;
    const useBrowser = opts.noBrowser !== true && hasDisplay(opts.env ?? process.env);
    const opened = useBrowser && (await (opts.openBrowser ?? openSystemBrowser)(authorizationUrl));
    opts.print(opened ? 'Your browser has been opened to sign in. If it did not open, visit:' : 'To sign in, open this address in a browser on this machine:');
    opts.print(`  ${authorizationUrl}`);
    opts.print(`Waiting for the sign-in to finish (up to ${Math.round(timeoutMs / 60_000)} min)…`);
    return await result;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    server.close();
    server.closeAllConnections();
  }
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

function sendPage(res: ServerResponse, status: number, title: string, message: string): void {
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:15vh auto;max-width:32rem;color:#1f2328;text-align:center}h1{font-size:1.4rem}p{color:#57606a}</style>
</head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>
`;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    connection: 'close',
  });
  res.end(body);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function errorMessage(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\.$/, '');
}
