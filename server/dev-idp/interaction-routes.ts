import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Provider } from 'oidc-provider';
import { authenticateDemoUser } from './demo-users.ts';
import { PAGE_SECURITY_HEADERS, renderLoginPage, renderMessagePage } from './dev-idp-pages.ts';

/** Every dev-IdP client is first-party, so consent is granted without asking. */
export type GrantFirstParty = (clientId: string, accountId: string, existingGrantId?: string) => Promise<string>;

const ROUTE = /^\/interaction\/([A-Za-z0-9_-]{1,64})(\/login|\/abort)?$/;
const MAX_FORM_BYTES = 4096;

/**
 * Serves the interaction pages oidc-provider redirects the browser to: the login form, its
 * submission, and cancel. Returns false for any other path so the provider can take it.
 */
export function createInteractionRoutes(deps: { provider: Provider; logger: Logger; grantFirstParty: GrantFirstParty }) {
  const { provider, logger } = deps;

  async function showPrompt(req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    const clientId = String(details.params['client_id'] ?? '');
    switch (details.prompt.name) {
      case 'login':
        sendHtml(res, 200, loginPage(uid, clientId, String(details.params['login_hint'] ?? '')));
        return;
      case 'consent': {
        // Reached only when a client asks for prompt=consent explicitly; loadExistingGrant covers the rest.
        const accountId = details.session?.accountId;
        if (accountId === undefined) throw new Error('consent prompt without a signed-in account');
        const grantId = await deps.grantFirstParty(clientId, accountId, details.grantId);
        await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
        return;
      }
      default:
        sendHtml(res, 400, renderMessagePage('Unsupported sign-in step', `The dev IdP cannot handle the "${details.prompt.name}" prompt.`));
    }
  }

  async function submitLogin(req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name !== 'login') throw new Error(`login submitted during the ${details.prompt.name} prompt`);
    const form = new URLSearchParams(await readBody(req));
    const username = (form.get('username') ?? '').trim();
    const user = authenticateDemoUser(username, form.get('password') ?? '');
    if (user === undefined) {
      logger.warn({ username }, 'sign-in refused: unknown user or wrong password');
      sendHtml(res, 401, loginPage(uid, String(details.params['client_id'] ?? ''), username, 'Unknown user or wrong password.'));
      return;
    }
    logger.info({ username }, 'signed in');
    await provider.interactionFinished(req, res, { login: { accountId: user.username } }, { mergeWithLastSubmission: false });
  }

  async function abort(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'The user cancelled the sign-in.' },
      { mergeWithLastSubmission: false },
    );
  }

  return async function handleInteraction(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = new URL(req.url ?? '/', 'http://dev-idp.invalid').pathname;
    const match = ROUTE.exec(path);
    if (match === null) return false;
    const uid = match[1] ?? '';
    const action = match[2] ?? '';
    try {
      if (action === '' && req.method === 'GET') await showPrompt(req, res, uid);
      else if (action === '/login' && req.method === 'POST') await submitLogin(req, res, uid);
      else if (action === '/abort' && req.method === 'GET') await abort(req, res);
      else sendHtml(res, 405, renderMessagePage('Method not allowed', `${req.method ?? ''} ${path}`));
    } catch (error) {
      // Most often an expired interaction or a missing cookie: the user must start again from the app.
      logger.warn({ err: error, path }, 'interaction failed');
      if (!res.headersSent) {
        sendHtml(res, 400, renderMessagePage('Sign-in cannot continue', 'This sign-in attempt has expired or is not valid. Start again from the application.'));
      }
    }
    return true;
  };
}

function loginPage(uid: string, clientId: string, username: string, error?: string): string {
  return renderLoginPage({
    action: `/interaction/${uid}/login`,
    abortUrl: `/interaction/${uid}/abort`,
    clientId,
    username,
    ...(error === undefined ? {} : { error }),
  });
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { ...PAGE_SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' });
  res.end(html);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new Error('login form body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
