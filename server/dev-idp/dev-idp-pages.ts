import { DEMO_USERS, demoPasswordFor } from './demo-users.ts';

/** Shown on every page and prefixed to every log line, so nobody mistakes this IdP for a real one. */
export const DEV_ONLY_NOTICE = 'development only';
export const DEV_IDP_LOG_PREFIX = '[dev-idp — development only] ';
export const DEV_IDP_BANNER_TEXT = 'Gatehouse dev identity provider — FOR DEVELOPMENT ONLY. Never use it in production.';

/** Pages allow inline styles and nothing else: no scripts, no framing. */
export const PAGE_SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

export function renderLoginPage(opts: { action: string; abortUrl: string; clientId: string; username?: string; error?: string }): string {
  const error = opts.error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(opts.error)}</p>`;
  const users = DEMO_USERS.map(
    (user) =>
      `<tr><td>${escapeHtml(user.username)}</td><td>${escapeHtml(demoPasswordFor(user.username))}</td><td>${escapeHtml(user.groups.join(', '))}</td></tr>`,
  ).join('');
  const body = `
    <h1>Sign in to Gatehouse</h1>
    <p class="client">Application: ${escapeHtml(opts.clientId)}</p>
    ${error}
    <form method="post" action="${escapeHtml(opts.action)}" autocomplete="off">
      <label>Username <input name="username" required autofocus value="${escapeHtml(opts.username ?? '')}"></label>
      <label>Password <input name="password" type="password" required></label>
      <button type="submit">Sign in</button>
    </form>
    <p><a href="${escapeHtml(opts.abortUrl)}">Cancel</a></p>
    <details>
      <summary>Demo users (${escapeHtml(DEV_ONLY_NOTICE)})</summary>
      <table><thead><tr><th>username</th><th>password</th><th>groups</th></tr></thead><tbody>${users}</tbody></table>
    </details>`;
  return renderPage('Sign in — Gatehouse dev IdP', body);
}

export function renderMessagePage(title: string, message: string): string {
  return renderPage(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}

/** oidc-provider's logout confirmation: `form` is the provider's own hidden form, id `op.logoutForm`. */
export function renderLogoutPage(host: string, form: string): string {
  const body = `
    <h1>Sign out of ${escapeHtml(host)}?</h1>
    ${form}
    <button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Yes, sign me out</button>
    <button type="submit" form="op.logoutForm">No, stay signed in</button>`;
  return renderPage('Sign out — Gatehouse dev IdP', body);
}

function renderPage(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex">
  <title>${escapeHtml(title)}</title>
  <style>
    body { font-family: system-ui, sans-serif; margin: 0; background: #f4f4f5; color: #18181b; }
    .dev-only-banner { background: #b91c1c; color: #fff; font-weight: 700; text-align: center; padding: 12px; letter-spacing: .02em; }
    main { max-width: 380px; margin: 32px auto; background: #fff; padding: 24px 32px; border-radius: 6px; box-shadow: 0 1px 3px rgba(0,0,0,.2); }
    label { display: block; margin: 12px 0; }
    input { display: block; width: 100%; box-sizing: border-box; padding: 8px; margin-top: 4px; font-size: 16px; }
    button { padding: 8px 16px; font-size: 15px; margin: 4px 0; cursor: pointer; }
    .error { color: #b91c1c; font-weight: 600; }
    table { border-collapse: collapse; margin-top: 8px; font-size: 14px; }
    td, th { border: 1px solid #d4d4d8; padding: 4px 8px; text-align: left; }
  </style>
</head>
<body>
  <div class="dev-only-banner" role="banner">${escapeHtml(DEV_IDP_BANNER_TEXT)}</div>
  <main>${body}</main>
</body>
</html>`;
}
