import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import type { OidcClient, OidcTokens } from './oidc-client.ts';

export interface LoopbackSignInOptions {
  oidc: OidcClient;
  /** How long to wait for the user to finish signing in. Default 5 minutes. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Where the browser tab tells the user to go back to: "the terminal", "Gatehouse". */
  returnTo?: string;
}

/** A sign-in in progress: the page to open, and the tokens once the IdP redirects back. */
export interface LoopbackSignIn {
  authorizationUrl: string;
  /** Settles once: the tokens, or the timeout, abort, cancel or a failed exchange. */
  tokens: Promise<OidcTokens>;
  /** Stops waiting; `tokens` rejects with `reason`. */
  cancel(reason?: Error): void;
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
 * Authorization code + PKCE with a one-shot loopback redirect on 127.0.0.1 and a random port
 * (RFC 8252 §7.3). State, nonce and the PKCE verifier are fresh per attempt and checked by
 * openid-client when the code is redeemed. Opening the URL is the caller's business: the CLI
 * starts the system browser, the desktop app asks its shell or its browser tab to.
 */
export async function startLoopbackSignIn(opts: LoopbackSignInOptions): Promise<LoopbackSignIn> {
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const codeChallenge = await oidc.calculatePKCECodeChallenge(codeVerifier);
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const returnTo = opts.returnTo ?? 'the terminal';

  let settle: { resolve: (tokens: OidcTokens) => void; reject: (err: unknown) => void } | undefined;
  const tokens = new Promise<OidcTokens>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // A timeout or failed exchange may land before anyone awaits `tokens`; callers still see it.
  tokens.catch(() => undefined);
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
      sendPage(res, 400, 'Not this sign-in', `This page does not belong to the sign-in Gatehouse is waiting for. Start again from ${returnTo} if needed.`);
      return;
    }
    handled = true;
    try {
      const received = await opts.oidc.exchangeCode(url, { codeVerifier, state, nonce });
      sendPage(res, 200, 'Signed in to Gatehouse', `You can close this tab and return to ${returnTo}.`);
      settle?.resolve(received);
    } catch (err) {
      sendPage(res, 400, 'Sign-in failed', `${errorMessage(err)}. Return to ${returnTo} and try again.`);
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
  const cleanup = (): void => {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    server.close();
    server.closeAllConnections();
  };
  tokens.then(cleanup, cleanup);

  return {
    authorizationUrl: opts.oidc.authorizationUrl({ redirectUri, codeChallenge, state, nonce }).href,
    tokens,
    cancel: (reason) => settle?.reject(reason ?? new Error('sign-in cancelled')),
  };
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
