export type ExpiryNotice = { kind: 'soon'; msLeft: number } | { kind: 'expired' };

/** How long before an unrefreshable session ends the shell starts warning. */
export const EXPIRY_WARNING_LEAD_MS = 10 * 60_000;

/**
 * Whether to warn that the session ends: only when it cannot be refreshed silently
 * (`expiryWarning`), from `leadMs` ahead; and always once it has run out.
 */
export function expiryNotice(expiresAt: string | null, expiryWarning: boolean, nowMs: number, leadMs = EXPIRY_WARNING_LEAD_MS): ExpiryNotice | null {
  if (!expiresAt) return null;
  const at = Date.parse(expiresAt);
  if (Number.isNaN(at)) return null;
  const msLeft = at - nowMs;
  if (msLeft <= 0) return expiryWarning ? { kind: 'expired' } : null;
  if (expiryWarning && msLeft <= leadMs) return { kind: 'soon', msLeft };
  return null;
}
