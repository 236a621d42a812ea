/** What logs may say about a URL: scheme and host only, never a path or query that could carry a code or token. */
export function originForLog(url: string | undefined): string {
  if (url === undefined) return '(none)';
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return '(unparsable)';
  }
}
