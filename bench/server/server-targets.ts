/*
 * What the server is held to. Only the approval figures come from the product brief; the
 * others are this bench's working thresholds, with the reasoning beside each, so they can be
 * argued with in one place. A missed target is reported, never a failure.
 */

export const APPROVAL_P95_TARGET_MS = 250;
/** A thousand analysts each running a statement a second: two audit events per statement. */
export const INGEST_TARGET_EVENTS_PER_SECOND = 2_000;
/** A thousand approvers' trays idle on one replica should cost tens of MB, not hundreds. */
export const SSE_PER_CLIENT_TARGET_KB = 50;
/** The architecture promises decisions reach the trays within a second. */
export const FAN_OUT_TARGET_MS = 1_000;

export interface TargetVerdict {
  measure: string;
  target: string;
  /** The figure judged, in the target's unit; null when there was none. */
  value: number | null;
  /** null when there was no figure to judge. */
  met: boolean | null;
}

export function below(measure: string, value: number | null | undefined, limit: number, target: string): TargetVerdict {
  return { measure, target, value: value ?? null, met: value === null || value === undefined ? null : value < limit };
}

export function atLeast(measure: string, value: number | null | undefined, limit: number, target: string): TargetVerdict {
  return { measure, target, value: value ?? null, met: value === null || value === undefined ? null : value >= limit };
}

export function verdictText(verdict: TargetVerdict | undefined): string {
  if (verdict === undefined) return '';
  if (verdict.met === null) return 'n/a';
  return verdict.met ? 'met' : 'MISSED';
}
