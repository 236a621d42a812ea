import type { ExternalLinkAllowlist } from './external-link-allowlist.ts';
import { originForLog } from './origin-for-log.ts';

export interface ExternalLinkLog {
  warn(obj: object, msg: string): void;
}

/** Opens links in the system browser: renderer links only if allowlisted, broker links only if http(s). */
export class ExternalLinks {
  constructor(
    private readonly allowlist: ExternalLinkAllowlist,
    private readonly openExternal: (url: string) => Promise<void>,
    private readonly log: ExternalLinkLog,
  ) {}

  /** A link the renderer asked for (window.open, a target=_blank anchor, a navigation): true if opened. */
  openFromRenderer(url: string): boolean {
    if (!this.allowlist.allows(url)) {
      this.log.warn({ origin: originForLog(url) }, 'refused to open a link that is not on the external allowlist');
      return false;
    }
    void this.openExternal(url).catch((error: unknown) => this.log.warn({ err: error }, 'could not open the system browser'));
    return true;
  }

  /**
   * A URL from the broker itself (the IdP's authorization URL at sign-in). The broker is
   * trusted code, but the URL came from a server's discovery document: never let it name
   * file:, smb: or an application scheme.
   */
  async openFromBroker(url: string): Promise<void> {
    const protocol = new URL(url).protocol;
    if (protocol !== 'https:' && protocol !== 'http:') throw new Error(`refusing to open a ${protocol} URL in the browser`);
    await this.openExternal(url);
  }
}
