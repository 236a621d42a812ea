/** A hash route such as `#/approvals/abc?x=1`, split for the route table. */
export interface HashRoute {
  /** Decoded path segments: `['approvals', 'abc']`; empty for the root. */
  segments: string[];
  params: Record<string, string>;
}

export function parseHashRoute(hash: string): HashRoute {
  let body = hash.startsWith('#') ? hash.slice(1) : hash;
  if (body.startsWith('/')) body = body.slice(1);
  const queryAt = body.indexOf('?');
  const path = queryAt === -1 ? body : body.slice(0, queryAt);
  const query = queryAt === -1 ? '' : body.slice(queryAt + 1);
  const segments = path
    .split('/')
    .filter((s) => s.length > 0)
    .map(safeDecode);
  const params: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(query)) params[key] = value;
  return { segments, params };
}

export function formatHashRoute(segments: readonly string[], params: Record<string, string> = {}): string {
  const path = segments.map((s) => encodeURIComponent(s)).join('/');
  const query = new URLSearchParams(params).toString();
  return `#/${path}${query ? `?${query}` : ''}`;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
