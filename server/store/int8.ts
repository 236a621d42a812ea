/**
 * bigint columns (audit seq, server_events id, counts) come back as JS numbers from both
 * backends; a value beyond 2^53 comes back as a BigInt rather than silently losing digits.
 */
export function parseInt8(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}
