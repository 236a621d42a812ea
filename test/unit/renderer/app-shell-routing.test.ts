import { describe, expect, it } from 'vitest';
import { routeForNavigateTarget } from '../../../renderer/features/app-shell/deep-link.ts';
import { formatHashRoute, parseHashRoute } from '../../../renderer/features/app-shell/hash-route.ts';
import { expiryNotice } from '../../../renderer/features/app-shell/session-expiry.ts';

describe('hash routes', () => {
  it('splits segments and parameters', () => {
    expect(parseHashRoute('#/approvals/r-1')).toEqual({ segments: ['approvals', 'r-1'], params: {} });
    expect(parseHashRoute('#/query?open=demo&x=1')).toEqual({ segments: ['query'], params: { open: 'demo', x: '1' } });
    expect(parseHashRoute('')).toEqual({ segments: [], params: {} });
    expect(parseHashRoute('#/')).toEqual({ segments: [], params: {} });
  });

  it('round-trips through formatHashRoute, escaping what needs it', () => {
    const hash = formatHashRoute(['approvals', 'a/b c'], { open: 'x&y' });
    expect(hash).toBe('#/approvals/a%2Fb%20c?open=x%26y');
    expect(parseHashRoute(hash)).toEqual({ segments: ['approvals', 'a/b c'], params: { open: 'x&y' } });
  });

  it('tolerates a malformed escape', () => {
    expect(parseHashRoute('#/approvals/%E0%A4%A')).toEqual({ segments: ['approvals', '%E0%A4%A'], params: {} });
  });
});

describe('routeForNavigateTarget', () => {
  it('maps the two deep links', () => {
    expect(routeForNavigateTarget('gatehouse://approvals/req_01HX')).toBe('#/approvals/req_01HX');
    expect(routeForNavigateTarget('gatehouse://connect/demo-db')).toBe('#/query?open=demo-db');
    expect(routeForNavigateTarget('GATEHOUSE://Approvals/abc/')).toBe('#/approvals/abc');
  });

  it('accepts plain app routes', () => {
    expect(routeForNavigateTarget('/approvals/abc')).toBe('#/approvals/abc');
    expect(routeForNavigateTarget('#/connections')).toBe('#/connections');
  });

  it('refuses anything else', () => {
    for (const target of [
      'gatehouse://connect/Bad Name',
      'gatehouse://connect/../../x',
      'gatehouse://approvals/a/b',
      'gatehouse://settings/x',
      'https://evil.example/approvals/1',
      'javascript:alert(1)',
      '/approvals/<script>',
      '',
    ]) {
      expect(routeForNavigateTarget(target), target).toBeNull();
    }
  });
});

describe('expiryNotice', () => {
  const now = Date.parse('2025-01-01T12:00:00Z');
  const inMinutes = (m: number) => new Date(now + m * 60_000).toISOString();

  it('warns ahead of an expiry that cannot be refreshed', () => {
    expect(expiryNotice(inMinutes(5), true, now)).toEqual({ kind: 'soon', msLeft: 5 * 60_000 });
    expect(expiryNotice(inMinutes(30), true, now)).toBeNull();
    expect(expiryNotice(inMinutes(-1), true, now)).toEqual({ kind: 'expired' });
  });

  it('stays quiet when the session refreshes silently, or nothing is known', () => {
    expect(expiryNotice(inMinutes(5), false, now)).toBeNull();
    expect(expiryNotice(inMinutes(-1), false, now)).toBeNull();
    expect(expiryNotice(null, true, now)).toBeNull();
    expect(expiryNotice('not a date', true, now)).toBeNull();
  });

  it('honours a custom lead time', () => {
    expect(expiryNotice(inMinutes(25), true, now, 30 * 60_000)?.kind).toBe('soon');
  });
});
