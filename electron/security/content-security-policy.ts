import type { HeadersReceived } from '../ports/electron-port.ts';
import type { AppOrigin } from './app-origin.ts';

/*
 * The renderer loads only its own bundled scripts and talks to nothing over the network: all
 * data comes through the preload bridge. 'unsafe-inline' for styles only, because Mantine,
 * CodeMirror and xterm set inline styles at run time (see docs/electron-security.md).
 */
const STRICT: readonly (readonly [string, string])[] = [
  ['default-src', "'none'"],
  ['script-src', "'self'"],
  ['style-src', "'self' 'unsafe-inline'"],
  ['img-src', "'self' data: blob:"],
  ['font-src', "'self' data:"],
  ['connect-src', "'self'"],
  ['media-src', "'none'"],
  ['object-src', "'none'"],
  ['frame-src', "'none'"],
  ['child-src', "'none'"],
  ['worker-src', "'none'"],
  ['manifest-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
  ['frame-ancestors', "'none'"],
];

function render(directives: readonly (readonly [string, string])[]): string {
  return directives.map(([name, value]) => `${name} ${value}`).join('; ');
}

/**
 * The policy for the app's pages. The dev server (npm start) additionally needs the inline
 * React Refresh preamble and Vite's hot-reload WebSocket; a packaged app never gets those.
 */
export function contentSecurityPolicy(appOrigin: AppOrigin): string {
  if (!appOrigin.isDevServer) return render(STRICT);
  const devSocket = appOrigin.origin.replace(/^http/, 'ws');
  return render(
    STRICT.map(([name, value]): readonly [string, string] => {
      if (name === 'script-src') return [name, `${value} 'unsafe-inline'`];
      if (name === 'connect-src') return [name, `${value} ${devSocket}`];
      return [name, value];
    }),
  );
}

/** The same policy for a <meta> tag, the fallback for a page loaded without our headers; frame-ancestors is not allowed there. */
export function contentSecurityPolicyForMetaTag(appOrigin: AppOrigin): string {
  return contentSecurityPolicy(appOrigin)
    .split('; ')
    .filter((directive) => !directive.startsWith('frame-ancestors '))
    .join('; ');
}

/**
 * session.webRequest.onHeadersReceived: every response for the app's own pages carries the
 * policy, replacing whatever the dev server sent. Other responses pass unchanged (navigation
 * guards keep the window from loading them).
 */
export function withContentSecurityPolicy(details: HeadersReceived, appOrigin: AppOrigin): Record<string, string[]> {
  if (!appOrigin.contains(details.url)) return details.responseHeaders;
  const headers: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(details.responseHeaders)) {
    const lower = name.toLowerCase();
    if (lower === 'content-security-policy' || lower === 'content-security-policy-report-only') continue;
    headers[name] = value;
  }
  headers['Content-Security-Policy'] = [contentSecurityPolicy(appOrigin)];
  headers['X-Content-Type-Options'] = ['nosniff'];
  return headers;
}
