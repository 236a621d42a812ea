/** With idle skipping on, no pause in the recording lasts longer than this on screen (in session time). */
export const IDLE_LIMIT_MS = 2_000;

export interface PlayheadStep {
  playheadMs: number;
  /** Wall-clock time since the last step. */
  elapsedMs: number;
  speed: number;
  /** Time of the next event not yet applied; null when none is known. */
  nextEventMs: number | null;
  durationMs: number;
  skipIdle: boolean;
  idleLimitMs?: number;
}

/**
 * Moves the play head for one frame. When the next event is further away than the idle limit,
 * the head first jumps to the limit before it, so a long pause is cut short; the clock then
 * still shows the recording's real time.
 */
export function advancePlayhead(step: PlayheadStep): number {
  const limit = step.idleLimitMs ?? IDLE_LIMIT_MS;
  let head = step.playheadMs;
  if (step.skipIdle && step.nextEventMs !== null && step.nextEventMs - head > limit) head = step.nextEventMs - limit;
  head += Math.max(0, step.elapsedMs) * step.speed;
  return Math.min(Math.max(0, head), Math.max(0, step.durationMs));
}

