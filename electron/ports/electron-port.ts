/*
 * Everything the shell needs from Electron, narrowed to what it actually uses. The real
 * implementation (real-electron-port.ts) is a line-for-line forward to Electron's API; all
 * decisions live in the plain modules that take this port, so they are tested with a fake.
 */

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What the second instance hands to the first one through the single-instance lock. */
export interface SecondInstanceData {
  deepLink?: string;
}

export interface AppPort {
  readonly isPackaged: boolean;
  readonly platform: NodeJS.Platform;
  /** The process's command line, where Windows and Linux put a deep link on first launch. */
  readonly argv: readonly string[];
  requestSingleInstanceLock(data: SecondInstanceData): boolean;
  onSecondInstance(listener: (argv: string[], data: unknown) => void): void;
  /** macOS delivers deep links as an event, possibly before `ready`. */
  onOpenUrl(listener: (url: string) => void): void;
  /** macOS: the dock icon was clicked. */
  onActivate(listener: () => void): void;
  /** Registering a listener stops Electron from quitting when the last window closes. */
  onWindowAllClosed(listener: () => void): void;
  onBeforeQuit(listener: () => void): void;
  /** `preventDefault` postpones the quit, e.g. to close the broker first, then call exit(). */
  onWillQuit(listener: (preventDefault: () => void) => void): void;
  /** Every webContents the app ever creates, so security rules cover all of them. */
  onWebContentsCreated(listener: (contents: WebContentsPort) => void): void;
  whenReady(): Promise<void>;
  quit(): void;
  exit(code: number): void;
  setAsDefaultProtocolClient(scheme: string): boolean;
  setBadgeCount(count: number): void;
  userDataPath(): string;
}

export interface WebContentsPort {
  readonly id: number;
  /** Covers will-navigate and will-frame-navigate: top-level and sub-frame navigations. */
  onWillNavigate(listener: (url: string, preventDefault: () => void) => void): void;
  onWillRedirect(listener: (url: string, preventDefault: () => void) => void): void;
  onWillAttachWebview(listener: (preventDefault: () => void) => void): void;
  setWindowOpenHandler(handler: (url: string) => 'deny'): void;
}

export interface WindowOptions {
  bounds: Rect;
  maximized: boolean;
  minWidth: number;
  minHeight: number;
  title: string;
  backgroundColor: string;
  /** The preload script; the rest of the web preferences are fixed in the real port, where electronegativity can read them. */
  preloadPath: string;
}

export interface WindowPort {
  readonly webContents: WebContentsPort;
  loadURL(url: string): Promise<void>;
  isDestroyed(): boolean;
  isLoading(): boolean;
  isVisible(): boolean;
  isMinimized(): boolean;
  isMaximized(): boolean;
  show(): void;
  restore(): void;
  focus(): void;
  hide(): void;
  /** Bounds when neither maximized nor minimized: what to restore next time. */
  getNormalBounds(): Rect;
  send(channel: string, payload: unknown): void;
  onReadyToShow(listener: () => void): void;
  onDidFinishLoad(listener: () => void): void;
  /** `preventDefault` keeps the window open (it is hidden to the tray instead). */
  onClose(listener: (preventDefault: () => void) => void): void;
  onClosed(listener: () => void): void;
  /** Moved, resized, maximized or restored. */
  onBoundsChanged(listener: () => void): void;
}

export interface TrayMenuItem {
  label: string;
  enabled: boolean;
  click?: () => void;
}

export interface TrayPort {
  setToolTip(text: string): void;
  /** macOS shows this next to the icon; elsewhere it is ignored. */
  setTitle(text: string): void;
  setMenu(items: readonly (TrayMenuItem | 'separator')[]): void;
  onClick(listener: () => void): void;
  destroy(): void;
}

export interface NotificationRequest {
  title: string;
  body: string;
  onClick: () => void;
}

export interface SafeStoragePort {
  isEncryptionAvailable(): boolean;
  /** Linux only: which secret store backs the key; undefined elsewhere. */
  selectedStorageBackend(): string | undefined;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

export interface ScreenPort {
  /** Work areas (screen minus task bars and docks) of every attached display. */
  workAreas(): Rect[];
  primaryWorkArea(): Rect;
}

export interface HeadersReceived {
  url: string;
  resourceType: string;
  responseHeaders: Record<string, string[]>;
}

export interface SessionPort {
  setPermissionRequestHandler(handler: (permission: string, requestingUrl: string, grant: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: (permission: string, requestingOrigin: string) => boolean): void;
  /** The returned headers replace the response's. */
  onHeadersReceived(handler: (details: HeadersReceived) => Record<string, string[]>): void;
}

/** What a custom-scheme request is answered with: a file from disk, or a status. */
export type ProtocolAnswer = { kind: 'file'; path: string; headers: Record<string, string> } | { kind: 'status'; status: number; headers: Record<string, string> };

export interface ProtocolPort {
  /** Must run before `ready`: gives the scheme a real origin (standard, secure). */
  registerPrivilegedScheme(scheme: string): void;
  handle(scheme: string, answer: (url: string, method: string) => ProtocolAnswer): void;
}

export interface IpcInvokeEvent {
  senderId: number;
  /** The URL of the frame that sent the message; undefined once the frame is gone. */
  senderFrameUrl: string | undefined;
  senderIsMainFrame: boolean;
}

export interface IpcMainPort {
  handle(channel: string, handler: (event: IpcInvokeEvent, payload: unknown) => Promise<unknown>): void;
  on(channel: string, listener: (event: IpcInvokeEvent, payload: unknown) => void): void;
}

export interface ElectronPort {
  readonly app: AppPort;
  readonly ipc: IpcMainPort;
  readonly safeStorage: SafeStoragePort;
  readonly screen: ScreenPort;
  readonly session: SessionPort;
  readonly protocol: ProtocolPort;
  createWindow(options: WindowOptions): WindowPort;
  createTray(iconPath: string, toolTip: string): TrayPort;
  notificationsSupported(): boolean;
  showNotification(request: NotificationRequest): void;
  /** Opens a URL in the user's default browser. */
  openExternal(url: string): Promise<void>;
}
