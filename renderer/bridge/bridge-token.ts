/** The `gatehouse ui` URL carries the bridge token as `#token=…`; the page keeps it out of the address bar. */
export interface TakenToken {
  token: string;
  /** What should stay in the address bar's hash once the token is gone ('' for none). */
  restHash: string;
}

/** Reads `#token=<t>` (optionally followed by `&route=<hash route>`); null when the hash carries no token. */
export function takeTokenFromHash(hash: string): TakenToken | null {
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!body.startsWith('token=')) return null;
  const fields = new URLSearchParams(body);
  const token = fields.get('token');
  if (!token) return null;
  const route = fields.get('route');
  return { token, restHash: route ? `#${route.startsWith('/') ? route : `/${route}`}` : '' };
}

/** The bridge's WebSocket address for a page served from `host` over `protocol`. */
export function bridgeSocketUrl(protocol: string, host: string, token: string): string {
  const scheme = protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${host}/bridge?token=${encodeURIComponent(token)}`;
}
