import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppOrigin } from '../../../electron/security/app-origin.ts';
import { restoredBounds, type SavedWindowState } from '../../../electron/window/window-bounds.ts';
import { MAIN_WINDOW_SIZING, MainWindow } from '../../../electron/window/main-window.ts';
import { WindowStateStore } from '../../../electron/window/window-state-store.ts';
import { FakeElectron, MemoryStore, RecordingLog } from './fake-electron-port.ts';

const primary = { x: 0, y: 0, width: 1920, height: 1040 };
const right = { x: 1920, y: 0, width: 2560, height: 1400 };
const sizing = MAIN_WINDOW_SIZING;

function saved(over: Partial<SavedWindowState>): SavedWindowState {
  return { x: 100, y: 80, width: 1200, height: 800, maximized: false, ...over };
}

describe('restoredBounds', () => {
  it('centres the default size on the primary display the first time', () => {
    expect(restoredBounds(undefined, [primary], primary, sizing)).toEqual({ bounds: { x: 320, y: 110, width: 1280, height: 820 }, maximized: false });
  });

  it('puts the window back where it was, maximized or not', () => {
    expect(restoredBounds(saved({}), [primary], primary, sizing)).toEqual({ bounds: { x: 100, y: 80, width: 1200, height: 800 }, maximized: false });
    expect(restoredBounds(saved({ maximized: true }), [primary], primary, sizing).maximized).toBe(true);
  });

  it('keeps it on a second display that is still there', () => {
    expect(restoredBounds(saved({ x: 2200, y: 100 }), [primary, right], primary, sizing).bounds).toEqual({ x: 2200, y: 100, width: 1200, height: 800 });
  });

  it('centres it on the primary display when its display is gone', () => {
    expect(restoredBounds(saved({ x: 2200, y: 100 }), [primary], primary, sizing).bounds).toEqual({ x: 360, y: 120, width: 1200, height: 800 });
  });

  it('brings back a window that is off-screen, or shows only a sliver', () => {
    for (const lost of [saved({ x: -5000, y: -5000 }), saved({ x: 1900, y: 100 }), saved({ x: 100, y: 1010 })]) {
      const { bounds } = restoredBounds(lost, [primary], primary, sizing);
      expect(bounds.x).toBeGreaterThanOrEqual(primary.x);
      expect(bounds.y).toBeGreaterThanOrEqual(primary.y);
      expect(bounds.x + bounds.width).toBeLessThanOrEqual(primary.x + primary.width);
      expect(bounds.y + bounds.height).toBeLessThanOrEqual(primary.y + primary.height);
    }
  });

  it('moves a partly off-screen window fully onto its display', () => {
    expect(restoredBounds(saved({ x: 1000, y: -200 }), [primary], primary, sizing).bounds).toEqual({ x: 720, y: 0, width: 1200, height: 800 });
  });

  it('shrinks a window larger than its display, but not below the minimum size', () => {
    expect(restoredBounds(saved({ x: 0, y: 0, width: 4000, height: 3000 }), [primary], primary, sizing).bounds).toEqual({ x: 0, y: 0, width: 1920, height: 1040 });
    expect(restoredBounds(saved({ width: 300, height: 200 }), [primary], primary, sizing).bounds).toMatchObject({ width: sizing.minWidth, height: sizing.minHeight });
  });

  it('on a display smaller than the minimum, keeps the minimum and the top-left corner on screen', () => {
    const tiny = { x: 0, y: 0, width: 800, height: 500 };
    expect(restoredBounds(saved({ x: 0, y: 0 }), [tiny], tiny, sizing).bounds).toEqual({ x: 0, y: 0, width: sizing.minWidth, height: sizing.minHeight });
  });
});

describe('WindowStateStore', () => {
  it('ignores a damaged entry', () => {
    const kv = new MemoryStore();
    kv.set('mainWindow', { x: 'left', y: 0 });
    expect(new WindowStateStore(kv).load()).toBeUndefined();
    kv.set('mainWindow', saved({}));
    expect(new WindowStateStore(kv).load()).toEqual(saved({}));
  });
});

describe('MainWindow', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function mainWindow(kv = new MemoryStore()) {
    const electron = new FakeElectron();
    const window = new MainWindow(electron, AppOrigin.packaged(), '/app/out/preload/index.cjs', new WindowStateStore(kv), new RecordingLog());
    return { electron, window, kv };
  }

  it('opens at the saved bounds, loads the app and shows on ready-to-show', () => {
    const kv = new MemoryStore();
    kv.set('mainWindow', saved({ x: 50, y: 60, maximized: true }));
    const { electron, window } = mainWindow(kv);
    window.open();
    const fake = electron.windows[0]!;
    expect(fake.options).toMatchObject({ bounds: { x: 50, y: 60, width: 1200, height: 800 }, maximized: true, preloadPath: '/app/out/preload/index.cjs', title: 'Gatehouse' });
    expect(fake.loaded).toEqual(['app://gatehouse/index.html']);
    expect(fake.visible).toBe(false);
    fake.finishLoading();
    expect(fake.visible).toBe(true);
    expect(window.webContentsId()).toBe(fake.webContents.id);
  });

  it('saves the bounds shortly after a move, and again on close', () => {
    const { electron, window, kv } = mainWindow();
    window.open();
    const fake = electron.windows[0]!;
    fake.moveTo({ x: 10, y: 20, width: 1000, height: 700 });
    fake.moveTo({ x: 11, y: 21, width: 1000, height: 700 });
    expect(kv.get('mainWindow')).toBeUndefined();
    vi.advanceTimersByTime(600);
    expect(kv.get('mainWindow')).toEqual({ x: 11, y: 21, width: 1000, height: 700, maximized: false });
    fake.bounds = { x: 30, y: 40, width: 900, height: 650 };
    fake.userCloses();
    expect(kv.get('mainWindow')).toEqual({ x: 30, y: 40, width: 900, height: 650, maximized: false });
  });

  it('hides instead of closing, until the app quits', () => {
    const { electron, window } = mainWindow();
    window.open();
    const fake = electron.windows[0]!;
    fake.finishLoading();
    expect(fake.userCloses().prevented).toBe(true);
    expect(fake.visible).toBe(false);
    window.open();
    expect(electron.windows).toHaveLength(1);
    expect(fake.visible).toBe(true);
    window.allowClose();
    expect(fake.userCloses().prevented).toBe(false);
    expect(window.webContentsId()).toBeUndefined();
  });

  it('restores a minimized window and focuses it', () => {
    const { electron, window } = mainWindow();
    window.open();
    const fake = electron.windows[0]!;
    fake.finishLoading();
    fake.minimized = true;
    const focusedBefore = fake.focused;
    window.open();
    expect(fake.minimized).toBe(false);
    expect(fake.focused).toBe(focusedBefore + 1);
  });

  it('holds events while the page loads, then delivers them in order', () => {
    const { electron, window } = mainWindow();
    window.openAt('gatehouse://connect/demo');
    window.send('approvals.pending', { count: 2 });
    const fake = electron.windows[0]!;
    expect(fake.events()).toEqual([]);
    fake.finishLoading();
    expect(fake.events()).toEqual([
      { event: 'navigate', data: { route: 'gatehouse://connect/demo' } },
      { event: 'approvals.pending', data: { count: 2 } },
    ]);
    window.send('approvals.pending', { count: 3 });
    expect(fake.events()).toHaveLength(3);
  });

  it('drops events when there is no window to receive them', () => {
    const { electron, window } = mainWindow();
    window.send('approvals.pending', { count: 1 });
    expect(electron.windows).toHaveLength(0);
  });
});
