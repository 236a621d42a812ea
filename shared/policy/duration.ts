/**
 * Durations in the policy document: a number with a unit, optionally chained,
 * e.g. `30s`, `15m`, `1h`, `1h30m`, `500ms`, `2d`.
 */
const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type DurationUnit = keyof typeof UNIT_MS;

const WHOLE_DURATION = /^(?:[0-9]+(?:ms|s|m|h|d))+$/;
const DURATION_PART = /([0-9]+)(ms|s|m|h|d)/g;

/** Milliseconds, or null when the text is not a duration. */
export function parseDurationMs(text: string): number | null {
  if (!WHOLE_DURATION.test(text)) return null;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(DURATION_PART)) {
    total += Number(amount) * UNIT_MS[unit as DurationUnit];
  }
  return Number.isSafeInteger(total) ? total : null;
}
