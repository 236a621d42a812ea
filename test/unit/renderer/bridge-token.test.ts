import { describe, expect, it } from 'vitest';
import { bridgeSocketUrl, takeTokenFromHash } from '../../../renderer/bridge/bridge-token.ts';
import { reconnectDelayMs } from '../../../renderer/bridge/reconnect-backoff.ts';

describe('takeTokenFromHash', () => {
  it('takes the token printed by gatehouse ui and leaves no hash behind', () => {
    expect(takeTokenFromHash('#token=abc123')).toEqual({ token: 'abc123', restHash: '' });
  });

  it('keeps a route that follows the token', () => {
    expect(takeTokenFromHash('#token=t0k&route=/approvals/r1')).toEqual({ token: 't0k', restHash: '#/approvals/r1' });
    expect(takeTokenFromHash('#token=t0k&route=query')).toEqual({ token: 't0k', restHash: '#/query' });
  });

  it('decodes an encoded token', () => {
    expect(takeTokenFromHash('#token=a%2Bb%3D')?.token).toBe('a+b=');
  });

  it('ignores hashes without a token (ordinary routes, empty token)', () => {
    expect(takeTokenFromHash('#/connections')).toBeNull();
    expect(takeTokenFromHash('')).toBeNull();
    expect(takeTokenFromHash('#token=')).toBeNull();
    expect(takeTokenFromHash('#/x?token=abc')).toBeNull();
  });
});

describe('bridgeSocketUrl', () => {
  it('uses ws on http and wss on https, with the token escaped', () => {
    expect(bridgeSocketUrl('http:', '127.0.0.1:5123', 'a b&c')).toBe('ws://127.0.0.1:5123/bridge?token=a%20b%26c');
    expect(bridgeSocketUrl('https:', 'example.test', 't')).toBe('wss://example.test/bridge?token=t');
  });
});

describe('reconnectDelayMs', () => {
  it('doubles from the base up to the cap without jitter', () => {
    const noJitter = () => 0;
    expect([0, 1, 2, 3].map((a) => reconnectDelayMs(a, noJitter))).toEqual([250, 500, 1000, 2000]);
    expect(reconnectDelayMs(10, noJitter)).toBe(10_000);
    expect(reconnectDelayMs(1000, noJitter)).toBe(10_000);
  });

  it('jitters down by at most a fifth', () => {
    expect(reconnectDelayMs(2, () => 1)).toBe(800);
    expect(reconnectDelayMs(2, () => 0.5)).toBe(900);
  });
});
