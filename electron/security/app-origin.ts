/** The privileged scheme the packaged renderer is served from (never file://). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'gatehouse';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Where the app's own pages live: `app://gatehouse/` when packaged, or electron-vite's dev
 * server during `npm start`. Everything else is foreign content: no navigation to it, no IPC
 * from it.
 */
export class AppOrigin {
  private readonly base: URL;

  private constructor(readonly startUrl: string) {
    this.base = new URL(startUrl);
  }

  static packaged(): AppOrigin {
    return new AppOrigin(`${APP_SCHEME}://${APP_HOST}/index.html`);
  }

  /** Only a loopback http(s) dev server qualifies; the URL comes from the environment. */
  static devServer(url: string): AppOrigin {
    const parsed = new URL(url);
    if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !LOOPBACK_HOSTS.has(parsed.hostname)) {
      throw new Error(`the renderer dev server must be a loopback http(s) URL, got ${url}`);
    }
    return new AppOrigin(parsed.href);
  }

  get isDevServer(): boolean {
    return this.base.protocol !== `${APP_SCHEME}:`;
  }

  /** scheme://host[:port], e.g. `app://gatehouse`. (URL.origin is "null" for custom schemes.) */
  get origin(): string {
    return `${this.base.protocol}//${this.base.host}`;
  }

  /** True if `url` is one of the app's own pages: same scheme, host and port, no credentials. */
  contains(url: string | undefined): boolean {
    if (url === undefined) return false;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    return parsed.protocol === this.base.protocol && parsed.host === this.base.host && parsed.username === '' && parsed.password === '';
  }
}
