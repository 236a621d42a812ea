/**
 * How long to wait before reconnect attempt `attempt` (0 = the first retry): doubling from
 * `baseMs` up to `maxMs`, with up to 20% jitter so many tabs do not hammer a restarted broker
 * in lockstep.
 */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random, baseMs = 250, maxMs = 10_000): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 30);
  const capped = Math.min(maxMs, baseMs * 2 ** exponent);
  const jitter = capped * 0.2 * random();
  return Math.round(capped - jitter);
}
