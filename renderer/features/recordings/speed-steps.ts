/** The playback speeds offered, slowest first. */
export const PLAYBACK_SPEEDS = [0.25, 0.5, 1, 2, 4, 8, 16] as const;
export type PlaybackSpeed = (typeof PLAYBACK_SPEEDS)[number];

export function isPlaybackSpeed(value: number): value is PlaybackSpeed {
  return (PLAYBACK_SPEEDS as readonly number[]).includes(value);
}

/** The next step up; the fastest stays. */
export function fasterSpeed(speed: number): PlaybackSpeed {
  return PLAYBACK_SPEEDS.find((s) => s > speed) ?? PLAYBACK_SPEEDS[PLAYBACK_SPEEDS.length - 1]!;
}

/** The next step down; the slowest stays. */
export function slowerSpeed(speed: number): PlaybackSpeed {
  for (let i = PLAYBACK_SPEEDS.length - 1; i >= 0; i--) if (PLAYBACK_SPEEDS[i]! < speed) return PLAYBACK_SPEEDS[i]!;
  return PLAYBACK_SPEEDS[0];
}

/** "0.25×", "4×". */
export function formatSpeed(speed: number): string {
  return `${speed}×`;
}
