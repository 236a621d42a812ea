import type { KeyValueStore } from '../ports/key-value-store.ts';
import { savedWindowStateSchema, type SavedWindowState } from './window-bounds.ts';

const KEY = 'mainWindow';

/** The main window's last bounds, in electron-store. A damaged entry is ignored, not fatal. */
export class WindowStateStore {
  constructor(private readonly store: KeyValueStore) {}

  load(): SavedWindowState | undefined {
    const parsed = savedWindowStateSchema.safeParse(this.store.get(KEY));
    return parsed.success ? parsed.data : undefined;
  }

  save(state: SavedWindowState): void {
    this.store.set(KEY, savedWindowStateSchema.parse(state));
  }
}
