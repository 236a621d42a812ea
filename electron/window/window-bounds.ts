import { z } from 'zod';
import type { Rect } from '../ports/electron-port.ts';

export const savedWindowStateSchema = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  maximized: z.boolean(),
});
export type SavedWindowState = z.infer<typeof savedWindowStateSchema>;

export interface WindowSizing {
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
}

/** Less of the window than this on any display and it is treated as lost off-screen. */
const MIN_VISIBLE = { width: 120, height: 60 };

/**
 * Where the window reopens: where it was, if that is still on a display (a monitor may have
 * been unplugged or rearranged since); sized to fit that display's work area and moved fully
 * onto it. Otherwise centred on the primary display.
 */
export function restoredBounds(saved: SavedWindowState | undefined, workAreas: readonly Rect[], primary: Rect, sizing: WindowSizing): { bounds: Rect; maximized: boolean } {
  if (saved === undefined) return { bounds: centred(primary, sizing.width, sizing.height, sizing), maximized: false };
  const best = largestOverlap(saved, workAreas);
  if (best === undefined) return { bounds: centred(primary, saved.width, saved.height, sizing), maximized: saved.maximized };
  const width = fit(saved.width, sizing.minWidth, best.width);
  const height = fit(saved.height, sizing.minHeight, best.height);
  const x = fit(saved.x, best.x, best.x + best.width - width);
  const y = fit(saved.y, best.y, best.y + best.height - height);
  return { bounds: { x, y, width, height }, maximized: saved.maximized };
}

function largestOverlap(rect: Rect, areas: readonly Rect[]): Rect | undefined {
  let best: Rect | undefined;
  let bestArea = 0;
  for (const area of areas) {
    const w = Math.min(rect.x + rect.width, area.x + area.width) - Math.max(rect.x, area.x);
    const h = Math.min(rect.y + rect.height, area.y + area.height) - Math.max(rect.y, area.y);
    if (w < MIN_VISIBLE.width || h < MIN_VISIBLE.height) continue;
    if (w * h > bestArea) {
      best = area;
      bestArea = w * h;
    }
  }
  return best;
}

function centred(area: Rect, wantedWidth: number, wantedHeight: number, sizing: WindowSizing): Rect {
  const width = fit(wantedWidth, sizing.minWidth, area.width);
  const height = fit(wantedHeight, sizing.minHeight, area.height);
  return { x: area.x + Math.floor((area.width - width) / 2), y: area.y + Math.floor((area.height - height) / 2), width, height };
}

/** `value` within [low, high]; when the range is empty (a display smaller than the minimum) the low end wins. */
function fit(value: number, low: number, high: number): number {
  return Math.max(low, Math.min(value, high));
}
