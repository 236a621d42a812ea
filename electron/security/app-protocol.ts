import { extname, isAbsolute, relative, resolve } from 'node:path';
import type { ProtocolAnswer } from '../ports/electron-port.ts';
import { APP_HOST } from './app-origin.ts';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Answers `app://gatehouse/<path>` from the built renderer folder and nothing outside it.
 * Paths without an extension are client-side routes and get index.html. Every answer carries
 * the content security policy, so the app's pages are never without it.
 */
export function answerAppRequest(url: string, method: string, rendererDir: string, csp: string): ProtocolAnswer {
  const headers = { 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff' };
  if (method !== 'GET' && method !== 'HEAD') return { kind: 'status', status: 405, headers };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { kind: 'status', status: 400, headers };
  }
  if (parsed.host !== APP_HOST) return { kind: 'status', status: 404, headers };
  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return { kind: 'status', status: 400, headers };
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return { kind: 'status', status: 400, headers };
  const wanted = pathname === '/' || extname(pathname) === '' ? '/index.html' : pathname;
  const root = resolve(rendererDir);
  const file = resolve(root, `.${wanted}`);
  const inside = relative(root, file);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return { kind: 'status', status: 404, headers };
  const contentType = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  return { kind: 'file', path: file, headers: { ...headers, 'Content-Type': contentType } };
}
