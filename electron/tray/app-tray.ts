import type { ElectronPort, TrayPort } from '../ports/electron-port.ts';
import { trayView } from './tray-view.ts';

export interface TrayActions {
  open(): void;
  openApprovals(): void;
  quit(): void;
}

/**
 * The tray icon keeps the app alive in the background and shows how many approvals wait for
 * me. Quitting is done from here: closing the window only hides it.
 */
export class AppTray {
  private tray: TrayPort | undefined;
  private pending = 0;

  constructor(
    private readonly port: ElectronPort,
    private readonly iconPath: string,
    private readonly actions: TrayActions,
  ) {}

  start(): void {
    this.tray = this.port.createTray(this.iconPath, 'Gatehouse');
    this.tray.onClick(() => this.actions.open());
    this.render();
  }

  /** From the broker's `approvals.pending` event. */
  setPending(count: number): void {
    this.pending = count;
    this.render();
  }

  destroy(): void {
    this.tray?.destroy();
    this.tray = undefined;
  }

  private render(): void {
    const view = trayView(this.pending);
    this.port.app.setBadgeCount(view.badgeCount);
    if (this.tray === undefined) return;
    this.tray.setToolTip(view.toolTip);
    this.tray.setTitle(view.title);
    this.tray.setMenu([
      { label: 'Open Gatehouse', enabled: true, click: () => this.actions.open() },
      { label: view.pendingLabel, enabled: view.badgeCount > 0, click: () => this.actions.openApprovals() },
      'separator',
      { label: 'Quit Gatehouse', enabled: true, click: () => this.actions.quit() },
    ]);
  }
}
