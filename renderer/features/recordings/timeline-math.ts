import { formatClock } from '../../ui/time-format.ts';

/** ←/→ seek by this much; with Shift, by the long step. */
export const SEEK_STEP_MS = 5_000;
export const LONG_SEEK_STEP_MS = 30_000;

export function clampMs(ms: number, durationMs: number): number {
  if (!Number.isFinite(ms) || ms < 0) return 0;
  return Math.min(ms, Math.max(0, durationMs));
}

/** The time at a point of the timeline, `fraction` from 0 (start) to 1 (end). */
export function msAtFraction(fraction: number, durationMs: number): number {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  return Math.round(f * Math.max(0, durationMs));
}

/** Where a time sits on the timeline, 0 to 1. */
export function fractionOfMs(ms: number, durationMs: number): number {
  if (!(durationMs > 0)) return 0;
  return clampMs(ms, durationMs) / durationMs;
}

/** "0:05", "12:34", "1:02:03": a player clock, to the second (rounded down). */
export function formatPlayerTime(ms: number): string {
  return formatClock(Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0);
}

/** An offset into a session: "+0.4 s" within the first minute, where statements come fast; "+1:02:03" beyond. */
export function formatOffset(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '+0.0 s';
  return ms < 60_000 ? `+${(Math.floor(ms / 100) / 10).toFixed(1)} s` : `+${formatPlayerTime(ms)}`;
}

export type MarkerKind = 'command' | 'decision' | 'hit' | 'marker';

/** Something worth finding on the timeline. */
export interface TimelineMarker {
  ms: number;
  kind: MarkerKind;
  label: string;
}

/** Markers drawn as one: those closer than a few pixels on a timeline of a given width. */
export interface MarkerCluster {
  ms: number;
  fraction: number;
  kinds: MarkerKind[];
  markers: TimelineMarker[];
}

/**
 * Groups markers so that a long recording's thousand search hits do not become a thousand
 * overlapping ticks: markers within `minGapPx` of the cluster's first one join it.
 */
export function clusterMarkers(markers: readonly TimelineMarker[], durationMs: number, widthPx: number, minGapPx = 6): MarkerCluster[] {
  const sorted = [...markers].sort((a, b) => a.ms - b.ms);
  const clusters: MarkerCluster[] = [];
  const width = Math.max(1, widthPx);
  let anchorPx = Number.NEGATIVE_INFINITY;
  for (const marker of sorted) {
    const fraction = fractionOfMs(marker.ms, durationMs);
    const px = fraction * width;
    const last = clusters[clusters.length - 1];
    if (last && px - anchorPx < minGapPx) {
      last.markers.push(marker);
      if (!last.kinds.includes(marker.kind)) last.kinds.push(marker.kind);
      continue;
    }
    anchorPx = px;
    clusters.push({ ms: clampMs(marker.ms, durationMs), fraction, kinds: [marker.kind], markers: [marker] });
  }
  return clusters;
}

/** The first marker after `ms` (strictly), or before it, for jumping between markers. */
export function adjacentMarker(markers: readonly TimelineMarker[], ms: number, direction: 1 | -1): TimelineMarker | null {
  const sorted = [...markers].sort((a, b) => a.ms - b.ms);
  // A marker within half a second of the play head counts as the current one, not the next.
  const slack = 500;
  if (direction === 1) return sorted.find((m) => m.ms > ms + slack) ?? null;
  for (let i = sorted.length - 1; i >= 0; i--) if (sorted[i]!.ms < ms - slack) return sorted[i]!;
  return null;
}
