import { describe, expect, it } from 'vitest';
import { AppOrigin } from '../../../electron/security/app-origin.ts';
import { ExternalLinkAllowlist } from '../../../electron/security/external-link-allowlist.ts';
import { ExternalLinks } from '../../../electron/security/external-links.ts';
import { guardWebContents, navigationVerdict } from '../../../electron/security/navigation-guard.ts';
import { FakeWebContents, RecordingLog } from './fake-electron-port.ts';

const packaged = AppOrigin.packaged();

function guarded(appOrigin = packaged) {
  const opened: string[] = [];
  const allowlist = new ExternalLinkAllowlist();
  allowlist.trust(['https://gatehouse.example.com', 'https://idp.example.com/realms/corp']);
  const links = new ExternalLinks(allowlist, async (url) => void opened.push(url), new RecordingLog());
  const contents = new FakeWebContents();
  guardWebContents(contents, appOrigin, links);
  return { contents, opened };
}

describe('the app origin', () => {
  it('is app://gatehouse when packaged', () => {
    expect(packaged.startUrl).toBe('app://gatehouse/index.html');
    expect(packaged.origin).toBe('app://gatehouse');
    expect(packaged.isDevServer).toBe(false);
  });

  it('contains only its own scheme, host and port, without credentials', () => {
    expect(packaged.contains('app://gatehouse/index.html#/approvals/1')).toBe(true);
    expect(packaged.contains('app://gatehouse/assets/index-abc.js')).toBe(true);
    expect(packaged.contains('app://evil/index.html')).toBe(false);
    expect(packaged.contains('app://gatehouse.evil.com/')).toBe(false);
    expect(packaged.contains('app://user@gatehouse/')).toBe(false);
    expect(packaged.contains('file:///etc/passwd')).toBe(false);
    expect(packaged.contains('https://gatehouse/')).toBe(false);
    expect(packaged.contains('not a url')).toBe(false);
    expect(packaged.contains(undefined)).toBe(false);
  });

  it('accepts only a loopback dev server, and matches its port', () => {
    const dev = AppOrigin.devServer('http://localhost:5173/');
    expect(dev.isDevServer).toBe(true);
    expect(dev.contains('http://localhost:5173/src/main.tsx')).toBe(true);
    expect(dev.contains('http://localhost:5174/')).toBe(false);
    expect(() => AppOrigin.devServer('http://example.com:5173/')).toThrow(/loopback/);
    expect(() => AppOrigin.devServer('file:///tmp/index.html')).toThrow(/loopback/);
  });
});

describe('navigation rules', () => {
  it('allows the app’s own pages and blocks everything else', () => {
    expect(navigationVerdict('app://gatehouse/index.html', packaged)).toBe('allow');
    for (const url of ['https://gatehouse.example.com/', 'http://127.0.0.1:8080/', 'file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,<h1>x', 'app://other/']) {
      expect(navigationVerdict(url, packaged)).toBe('block');
    }
  });

  it('lets an in-app navigation through untouched', () => {
    const { contents, opened } = guarded();
    expect(contents.fireWillNavigate('app://gatehouse/index.html').prevented).toBe(false);
    expect(opened).toEqual([]);
  });

  it('stops a navigation away from the app, opening it in the browser only when allowlisted', () => {
    const { contents, opened } = guarded();
    expect(contents.fireWillNavigate('https://gatehouse.example.com/docs').prevented).toBe(true);
    expect(contents.fireWillNavigate('https://evil.example.com/phish').prevented).toBe(true);
    expect(contents.fireWillNavigate('file:///etc/passwd').prevented).toBe(true);
    expect(opened).toEqual(['https://gatehouse.example.com/docs']);
  });

  it('blocks redirects out of the app without opening anything', () => {
    const { contents, opened } = guarded();
    expect(contents.fireWillRedirect('https://gatehouse.example.com/').prevented).toBe(true);
    expect(contents.fireWillRedirect('app://gatehouse/index.html').prevented).toBe(false);
    expect(opened).toEqual([]);
  });

  it('never attaches a webview', () => {
    const { contents } = guarded();
    expect(contents.fireWillAttachWebview().prevented).toBe(true);
  });

  it('denies every window.open, sending allowlisted https links to the system browser', () => {
    const { contents, opened } = guarded();
    expect(contents.fireWindowOpen('https://idp.example.com/realms/corp/account')).toBe('deny');
    expect(contents.fireWindowOpen('https://evil.example.com/')).toBe('deny');
    expect(contents.fireWindowOpen('app://gatehouse/index.html')).toBe('deny');
    expect(contents.fireWindowOpen('http://gatehouse.example.com/')).toBe('deny');
    expect(opened).toEqual(['https://idp.example.com/realms/corp/account']);
  });

  it('guards the dev server origin the same way', () => {
    const { contents } = guarded(AppOrigin.devServer('http://localhost:5173'));
    expect(contents.fireWillNavigate('http://localhost:5173/').prevented).toBe(false);
    expect(contents.fireWillNavigate('http://localhost:9999/').prevented).toBe(true);
  });
});
