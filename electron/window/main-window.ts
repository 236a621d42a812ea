import type { ElectronPort, WindowPort } from '../ports/electron-port.ts';
import type { AppOrigin } from '../security/app-origin.ts';
import { EVENT_CHANNEL } from '../ipc/bridge-channels.ts';
import { restoredBounds, type WindowSizing } from './window-bounds.ts';
import type { WindowStateStore } from './window-state-store.ts';

export const MAIN_WINDOW_SIZING: WindowSizing = { width: 1280, height: 820, minWidth: 880, minHeight: 560 };
const SAVE_DELAY_MS = 500;
const MAX_QUEUED_EVENTS = 500;

export interface MainWindowLog {
  warn(obj: object, msg: string): void;
}

/**
 * The one app window. Closing it hides it (the broker, its listeners and the tray keep
 * running); only quitting closes it for real. Events for the renderer wait while a page is
 * loading, since a message sent before the preload has subscribed would be lost.
 */
export class MainWindow {
  private window: WindowPort | undefined;
  private quitting = false;
  private queued: { event: string; data: unknown }[] = [];
  private saveTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly port: ElectronPort,
    private readonly appOrigin: AppOrigin,
    private readonly preloadPath: string,
    private readonly state: WindowStateStore,
    private readonly log: MainWindowLog,
  ) {}

  /** The main window's webContents id, for IPC sender checks; undefined while there is no window. */
  webContentsId(): number | undefined {
    return this.window !== undefined && !this.window.isDestroyed() ? this.window.webContents.id : undefined;
  }

  /** Creates the window if needed and brings it to the front. */
  open(): void {
    const window = this.window !== undefined && !this.window.isDestroyed() ? this.window : this.create();
    if (window.isLoading() && !window.isVisible()) return; // shown on ready-to-show
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  }

  /** Opens the window at a renderer route (a deep link or a notification click). */
  openAt(route: string): void {
    this.open();
    this.send('navigate', { route });
  }

  /** Forwards a broker event to the renderer, if there is one to receive it. */
  send(event: string, data: unknown): void {
    const window = this.window;
    if (window === undefined || window.isDestroyed()) return;
    if (window.isLoading()) {
      if (this.queued.length >= MAX_QUEUED_EVENTS) this.queued.shift();
      this.queued.push({ event, data });
      return;
    }
    window.send(EVENT_CHANNEL, { event, data });
  }

  /** From now on closing the window closes it (the app is quitting). */
  allowClose(): void {
    this.quitting = true;
  }

  private create(): WindowPort {
    const { bounds, maximized } = restoredBounds(this.state.load(), this.port.screen.workAreas(), this.port.screen.primaryWorkArea(), MAIN_WINDOW_SIZING);
    const window = this.port.createWindow({
      bounds,
      maximized,
      minWidth: MAIN_WINDOW_SIZING.minWidth,
      minHeight: MAIN_WINDOW_SIZING.minHeight,
      title: 'Gatehouse',
      backgroundColor: '#1a1b1e',
      preloadPath: this.preloadPath,
    });
    this.window = window;
    this.queued = [];
    window.onReadyToShow(() => {
      window.show();
      window.focus();
    });
    window.onDidFinishLoad(() => this.flush(window));
    window.onBoundsChanged(() => this.scheduleSave(window));
    window.onClose((preventDefault) => {
      this.saveNow(window);
      if (this.quitting) return;
      preventDefault();
      window.hide();
    });
    window.onClosed(() => {
      clearTimeout(this.saveTimer);
      if (this.window === window) this.window = undefined;
    });
    window.loadURL(this.appOrigin.startUrl).catch((error: unknown) => this.log.warn({ err: error }, 'the app page did not load'));
    return window;
  }

  private flush(window: WindowPort): void {
    if (window !== this.window || window.isDestroyed()) return;
    const pending = this.queued;
    this.queued = [];
    for (const message of pending) window.send(EVENT_CHANNEL, message);
  }

  private scheduleSave(window: WindowPort): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.saveNow(window), SAVE_DELAY_MS);
  }

  private saveNow(window: WindowPort): void {
    clearTimeout(this.saveTimer);
    if (window.isDestroyed()) return;
    // Normal bounds: what the window returns to from maximized or minimized, the state worth keeping.
    const bounds = window.getNormalBounds();
    this.state.save({ ...bounds, maximized: window.isMaximized() });
  }
}
