/*
 * recordings.get takes a server path under /v1/recordings, and the bridge accepts only
 * [A-Za-z0-9_./?=&%:-] in it: every segment and value is percent-encoded, including the few
 * characters encodeURIComponent leaves alone.
 */

function strictEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export type PathParams = Record<string, string | number | null | undefined>;

/** `recordingsPath(['abc', 'screen'], { t: 5000 })` → `abc/screen?t=5000`; empty and absent params are left out. */
export function recordingsPath(segments: readonly string[], params: PathParams = {}): string {
  const path = segments.map(strictEncode).join('/');
  const query = Object.entries(params)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined && entry[1] !== null && entry[1] !== '')
    .map(([key, value]) => `${strictEncode(key)}=${strictEncode(String(value))}`)
    .join('&');
  return query ? `${path}?${query}` : path;
}
