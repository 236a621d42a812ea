import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { AppOrigin } from '../../../electron/security/app-origin.ts';
import { answerAppRequest } from '../../../electron/security/app-protocol.ts';
import { contentSecurityPolicy, contentSecurityPolicyForMetaTag, withContentSecurityPolicy } from '../../../electron/security/content-security-policy.ts';
import { cspMetaTag } from '../../../electron/security/csp-meta-plugin.ts';

// The evaluator electronegativity's CSP_GLOBAL_CHECK uses, run here on the real policy (it cannot read a computed one).
interface CspEvaluatorModule {
  CspParser: new (policy: string) => { csp: unknown };
  CspEvaluator: new (csp: unknown, version: unknown) => { evaluate(): { severity: number; directive: string; description: string }[] };
  Version: { CSP3: unknown };
  severities: Record<string, number>;
}
const cspEvaluator = createRequire(import.meta.url)('@doyensec/csp-evaluator') as CspEvaluatorModule;

const packaged = AppOrigin.packaged();
const dev = AppOrigin.devServer('http://localhost:5173/');

function directives(policy: string): Map<string, string> {
  return new Map(policy.split('; ').map((d) => [d.slice(0, d.indexOf(' ')), d.slice(d.indexOf(' ') + 1)]));
}

describe('the content security policy', () => {
  it('lets the packaged app run only its own scripts and reach nothing', () => {
    const policy = directives(contentSecurityPolicy(packaged));
    expect(policy.get('default-src')).toBe("'none'");
    expect(policy.get('script-src')).toBe("'self'");
    expect(policy.get('connect-src')).toBe("'self'");
    for (const none of ['object-src', 'frame-src', 'worker-src', 'base-uri', 'form-action', 'frame-ancestors']) expect(policy.get(none)).toBe("'none'");
    expect(contentSecurityPolicy(packaged)).not.toMatch(/unsafe-eval|\*|http:|https:|ws:/);
  });

  it('has no high or medium finding in the CSP evaluator electronegativity uses', () => {
    const { CspParser, CspEvaluator, Version, severities } = cspEvaluator;
    const findings = new CspEvaluator(new CspParser(contentSecurityPolicy(packaged)).csp, Version.CSP3).evaluate();
    const serious = findings.filter((f) => f.severity <= severities['HIGH_MAYBE']!);
    expect(serious).toEqual([]);
  });

  it('relaxes only what the dev server needs: inline React Refresh preamble and its HMR socket', () => {
    const policy = directives(contentSecurityPolicy(dev));
    expect(policy.get('script-src')).toBe("'self' 'unsafe-inline'");
    expect(policy.get('connect-src')).toBe("'self' ws://localhost:5173");
    expect(policy.get('default-src')).toBe("'none'");
    expect(contentSecurityPolicy(dev)).not.toContain('unsafe-eval');
  });

  it('leaves frame-ancestors out of the meta-tag version, where browsers ignore it', () => {
    const meta = contentSecurityPolicyForMetaTag(packaged);
    expect(meta).not.toContain('frame-ancestors');
    expect(meta).toContain("script-src 'self'");
  });

  it('puts the policy on the app’s pages, replacing one the server sent', () => {
    const headers = withContentSecurityPolicy(
      { url: 'http://localhost:5173/', resourceType: 'mainFrame', responseHeaders: { 'content-security-policy': ["default-src *"], 'Content-Type': ['text/html'] } },
      dev,
    );
    expect(headers['Content-Security-Policy']).toEqual([contentSecurityPolicy(dev)]);
    expect(headers['content-security-policy']).toBeUndefined();
    expect(headers['Content-Type']).toEqual(['text/html']);
    expect(headers['X-Content-Type-Options']).toEqual(['nosniff']);
  });

  it('leaves responses of other origins as they were', () => {
    const original = { 'Content-Type': ['text/html'] };
    expect(withContentSecurityPolicy({ url: 'https://example.com/', resourceType: 'mainFrame', responseHeaders: original }, packaged)).toBe(original);
  });
});

describe('the app:// protocol', () => {
  const root = '/opt/Gatehouse/resources/app.asar/out/renderer';
  const csp = contentSecurityPolicy(packaged);

  it('serves files of the built renderer with their type and the policy', () => {
    const answer = answerAppRequest('app://gatehouse/assets/index-abc.js', 'GET', root, csp);
    expect(answer).toEqual({
      kind: 'file',
      path: `${root}/assets/index-abc.js`,
      headers: { 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff', 'Content-Type': 'text/javascript; charset=utf-8' },
    });
  });

  it('answers the root and client-side routes with index.html', () => {
    for (const url of ['app://gatehouse/', 'app://gatehouse/index.html', 'app://gatehouse/approvals/abc']) {
      const answer = answerAppRequest(url, 'GET', root, csp);
      expect(answer.kind === 'file' && answer.path).toBe(`${root}/index.html`);
    }
  });

  it.each([
    ['traversal', 'app://gatehouse/../../../etc/passwd.txt'],
    ['encoded traversal', 'app://gatehouse/%2e%2e/%2e%2e/etc/passwd.txt'],
    ['an encoded slash', 'app://gatehouse/assets%2f..%2f..%2f..%2fsecret.json'],
  ])('never serves a file outside the renderer folder (%s)', (_what, url) => {
    const answer = answerAppRequest(url, 'GET', root, csp);
    if (answer.kind === 'file') expect(answer.path.startsWith(`${root}/`)).toBe(true);
    else expect(answer.status).toBe(404);
  });

  it('refuses backslashes, NUL bytes, bad encodings, other hosts and writes', () => {
    expect(answerAppRequest('app://gatehouse/a%5C..%5Cb.js', 'GET', root, csp)).toMatchObject({ kind: 'status', status: 400 });
    expect(answerAppRequest('app://gatehouse/a%00.js', 'GET', root, csp)).toMatchObject({ kind: 'status', status: 400 });
    expect(answerAppRequest('app://gatehouse/%E0%A4%A.js', 'GET', root, csp)).toMatchObject({ kind: 'status', status: 400 });
    expect(answerAppRequest('app://elsewhere/index.html', 'GET', root, csp)).toMatchObject({ kind: 'status', status: 404 });
    expect(answerAppRequest('app://gatehouse/index.html', 'POST', root, csp)).toMatchObject({ kind: 'status', status: 405, headers: { 'Content-Security-Policy': csp } });
  });
});

describe('the CSP meta-tag plugin', () => {
  it('prepends the packaged policy to index.html at build time only', () => {
    const plugin = cspMetaTag();
    expect(plugin.apply).toBe('build');
    const hook = plugin.transformIndexHtml as { order: string; handler: () => unknown };
    expect(hook.order).toBe('post');
    expect(hook.handler()).toEqual([{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicyForMetaTag(packaged) }, injectTo: 'head-prepend' }]);
  });
});
