import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeepLinkRouter, deepLinkFromSecondInstance } from '../../../electron/deep-links/deep-link-router.ts';
import { findDeepLinkArgument, formatDeepLink, navigateTargetFor, parseDeepLink } from '../../../electron/deep-links/deep-link.ts';
import { RecordingLog } from './fake-electron-port.ts';

const ID = '3f2c9a1e-5b7d-4c8e-9f01-23456789abcd';

describe('parseDeepLink', () => {
  it('accepts an approval link and a connect link', () => {
    expect(parseDeepLink(`gatehouse://approvals/${ID}`)).toEqual({ kind: 'approval', id: ID });
    expect(parseDeepLink('gatehouse://connect/demo-db')).toEqual({ kind: 'connect', name: 'demo-db' });
  });

  it('tolerates one trailing slash and upper-case scheme, host and id (which it lower-cases)', () => {
    expect(parseDeepLink(`gatehouse://approvals/${ID}/`)).toEqual({ kind: 'approval', id: ID });
    expect(parseDeepLink(`GATEHOUSE://Approvals/${ID.toUpperCase()}`)).toEqual({ kind: 'approval', id: ID });
    expect(parseDeepLink('gatehouse://CONNECT/demo_db')).toEqual({ kind: 'connect', name: 'demo_db' });
  });

  it.each([
    ['another scheme', `https://approvals/${ID}`],
    ['another target', `gatehouse://settings/${ID}`],
    ['no id', 'gatehouse://approvals/'],
    ['no target', 'gatehouse://'],
    ['an id that is not a UUID', 'gatehouse://approvals/42'],
    ['path traversal', 'gatehouse://approvals/../connect/demo'],
    ['path traversal in a name', 'gatehouse://connect/..'],
    ['encoded traversal', 'gatehouse://connect/%2e%2e'],
    ['an encoded slash', `gatehouse://approvals/${ID}%2f..`],
    ['a backslash', 'gatehouse://connect/demo\\..\\x'],
    ['an extra segment', `gatehouse://approvals/${ID}/approve`],
    ['a query', `gatehouse://approvals/${ID}?decision=approve`],
    ['a fragment', `gatehouse://approvals/${ID}#x`],
    ['credentials', `gatehouse://user:pw@approvals/${ID}`],
    ['a port', `gatehouse://approvals:80/${ID}`],
    ['an upper-case connection name', 'gatehouse://connect/Demo'],
    ['a name starting with a dash', 'gatehouse://connect/-demo'],
    ['a name longer than 63 characters', `gatehouse://connect/${'a'.repeat(64)}`],
    ['leading whitespace', ` gatehouse://connect/demo`],
    ['a javascript: URL', 'javascript:alert(1)//gatehouse://connect/demo'],
    ['a very long text', `gatehouse://connect/${'a'.repeat(600)}`],
  ])('rejects %s', (_what, link) => {
    expect(parseDeepLink(link)).toBeUndefined();
  });

  it('rejects what is not a string', () => {
    expect(parseDeepLink(undefined)).toBeUndefined();
    expect(parseDeepLink({ toString: () => `gatehouse://approvals/${ID}` })).toBeUndefined();
  });

  it('accepts every valid connection name and approval UUID, and round-trips them', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,62}$/), fc.uuid(), (name, id) => {
        expect(parseDeepLink(`gatehouse://connect/${name}`)).toEqual({ kind: 'connect', name });
        expect(parseDeepLink(formatDeepLink({ kind: 'approval', id }))).toEqual({ kind: 'approval', id });
      }),
    );
  });

  it('only ever yields canonical links that parse back to themselves and carry no traversal or encoding', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.constantFrom('gatehouse://approvals/', 'gatehouse://connect/', 'GATEHOUSE://connect/'), (tail, prefix) => {
        const link = parseDeepLink(prefix + tail);
        if (link === undefined) return;
        const canonical = formatDeepLink(link);
        expect(parseDeepLink(canonical)).toEqual(link);
        expect(canonical).not.toMatch(/\.\.|%|\\|\?|#/);
      }),
    );
  });
});

describe('navigate targets', () => {
  it('are the canonical link the renderer maps to its route', () => {
    expect(navigateTargetFor(`gatehouse://Approvals/${ID.toUpperCase()}/`)).toBe(`gatehouse://approvals/${ID}`);
    expect(navigateTargetFor('gatehouse://connect/demo')).toBe('gatehouse://connect/demo');
    expect(navigateTargetFor('gatehouse://connect/../x')).toBeUndefined();
  });
});

describe('deep links on the command line', () => {
  it('finds the link among Chromium switches', () => {
    expect(findDeepLinkArgument(['/opt/Gatehouse/gatehouse', '--no-sandbox', '--original-process-start-time=1', 'gatehouse://connect/demo'])).toBe('gatehouse://connect/demo');
    expect(findDeepLinkArgument(['/opt/Gatehouse/gatehouse', 'gatehouse://evil/x'])).toBeUndefined();
  });

  it('prefers the link a second instance passed in its lock data, and falls back to its argv', () => {
    expect(deepLinkFromSecondInstance(['app', 'gatehouse://connect/a'], { deepLink: 'gatehouse://connect/b' })).toBe('gatehouse://connect/b');
    expect(deepLinkFromSecondInstance(['app', 'gatehouse://connect/a'], {})).toBe('gatehouse://connect/a');
    expect(deepLinkFromSecondInstance(['app'], { deepLink: 42 })).toBeUndefined();
  });
});

describe('DeepLinkRouter', () => {
  function window() {
    const calls: string[] = [];
    return { calls, open: () => calls.push('open'), openAt: (target: string) => calls.push(`openAt ${target}`) };
  }

  it('keeps the latest link until the window exists, then opens the window there', () => {
    const router = new DeepLinkRouter(new RecordingLog());
    expect(router.receive('gatehouse://connect/first')).toBe(true);
    expect(router.receive(`gatehouse://approvals/${ID}`)).toBe(true);
    const w = window();
    router.attach(w);
    expect(w.calls).toEqual([`openAt gatehouse://approvals/${ID}`]);
  });

  it('drops and logs a rejected link without echoing it', () => {
    const log = new RecordingLog();
    const router = new DeepLinkRouter(log);
    const w = window();
    router.attach(w);
    expect(router.receive('gatehouse://connect/../../secret-token')).toBe(false);
    expect(w.calls).toEqual(['open']);
    expect(log.lines).toHaveLength(1);
    expect(log.text()).not.toContain('secret-token');
  });

  it('focuses the window for a second instance without a link, and navigates for one with a link', () => {
    const router = new DeepLinkRouter(new RecordingLog());
    const w = window();
    router.attach(w);
    router.secondInstance(['gatehouse'], {});
    router.secondInstance(['gatehouse'], { deepLink: 'gatehouse://connect/demo' });
    router.secondInstance(['gatehouse'], { deepLink: 'gatehouse://connect/%2e%2e' });
    expect(w.calls).toEqual(['open', 'open', 'openAt gatehouse://connect/demo', 'open']);
  });
});
