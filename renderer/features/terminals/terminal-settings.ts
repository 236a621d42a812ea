import { z } from 'zod';
import { TERMINAL_THEME_NAMES } from './terminal-themes.ts';

export const FONT_SIZE_MIN = 8;
export const FONT_SIZE_MAX = 32;
export const FONT_SIZE_DEFAULT = 14;

/** Where the settings live in localStorage; shared by the terminals and the player. */
export const TERMINAL_SETTINGS_KEY = 'gatehouse.terminal.settings';

const settingsSchema = z.object({
  fontSize: z.number().int().min(FONT_SIZE_MIN).max(FONT_SIZE_MAX).catch(FONT_SIZE_DEFAULT),
  theme: z.enum(TERMINAL_THEME_NAMES).catch('auto'),
});
export type TerminalSettings = z.infer<typeof settingsSchema>;

export const DEFAULT_TERMINAL_SETTINGS: TerminalSettings = { fontSize: FONT_SIZE_DEFAULT, theme: 'auto' };

/** Stored settings, each field falling back to its default when missing or no longer valid. */
export function parseTerminalSettings(stored: string | null): TerminalSettings {
  if (stored === null) return DEFAULT_TERMINAL_SETTINGS;
  let json: unknown;
  try {
    json = JSON.parse(stored);
  } catch {
    return DEFAULT_TERMINAL_SETTINGS;
  }
  if (typeof json !== 'object' || json === null) return DEFAULT_TERMINAL_SETTINGS;
  return settingsSchema.parse({ fontSize: FONT_SIZE_DEFAULT, theme: 'auto', ...json });
}

export function loadTerminalSettings(storage: Pick<Storage, 'getItem'>): TerminalSettings {
  try {
    return parseTerminalSettings(storage.getItem(TERMINAL_SETTINGS_KEY));
  } catch {
    // Storage can be refused (privacy settings); the defaults still work.
    return DEFAULT_TERMINAL_SETTINGS;
  }
}

export function saveTerminalSettings(storage: Pick<Storage, 'setItem'>, settings: TerminalSettings): void {
  try {
    storage.setItem(TERMINAL_SETTINGS_KEY, JSON.stringify(settings));
  } catch {
    // Not persisted this time; the session keeps them.
  }
}

export function clampFontSize(size: number): number {
  if (!Number.isFinite(size)) return FONT_SIZE_DEFAULT;
  return Math.min(FONT_SIZE_MAX, Math.max(FONT_SIZE_MIN, Math.round(size)));
}
