import type { Plugin } from 'vite';
import { AppOrigin } from './app-origin.ts';
import { contentSecurityPolicyForMetaTag } from './content-security-policy.ts';

/**
 * The CSP <meta> fallback for the packaged renderer (electron.vite.config.ts, renderer plugins):
 * the page keeps its policy even if it were ever loaded without the headers the app:// handler
 * and onHeadersReceived add. Build only: the dev server needs the relaxed header policy.
 */
export function cspMetaTag(): Plugin {
  return {
    name: 'gatehouse-csp-meta-tag',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicyForMetaTag(AppOrigin.packaged()) }, injectTo: 'head-prepend' }],
    },
  };
}
