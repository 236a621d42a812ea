/**
 * Origins the renderer may send the user to in the system browser: the Gatehouse server and
 * its identity provider, https only. The renderer is untrusted, so a link it asks for is
 * checked here, never taken on its word.
 */
export class ExternalLinkAllowlist {
  private origins = new Set<string>();

  /** Replaces the trusted origins; non-https and unparsable URLs are ignored. */
  trust(urls: readonly (string | null | undefined)[]): void {
    const next = new Set<string>();
    for (const url of urls) {
      const origin = httpsOrigin(url);
      if (origin !== undefined) next.add(origin);
    }
    this.origins = next;
  }

  trustedOrigins(): string[] {
    return [...this.origins];
  }

  allows(url: string): boolean {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    if (parsed.protocol !== 'https:' || parsed.username !== '' || parsed.password !== '') return false;
    return this.origins.has(parsed.origin);
  }
}

function httpsOrigin(url: string | null | undefined): string | undefined {
  if (url === null || url === undefined) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}
