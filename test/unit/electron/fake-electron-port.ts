import type {
  ElectronPort,
  HeadersReceived,
  IpcInvokeEvent,
  NotificationRequest,
  ProtocolAnswer,
  Rect,
  SecondInstanceData,
  TrayMenuItem,
  WebContentsPort,
  WindowOptions,
  WindowPort,
} from '../../../electron/ports/electron-port.ts';
import type { KeyValueStore } from '../../../electron/ports/key-value-store.ts';

/** A prevented-or-not flag for Electron-style events. */
export interface Outcome {
  prevented: boolean;
}

function outcome(): { result: Outcome; preventDefault: () => void } {
  const result = { prevented: false };
  return { result, preventDefault: () => (result.prevented = true) };
}

let nextContentsId = 1;

/** A webContents whose events the test fires by hand. */
export class FakeWebContents implements WebContentsPort {
  readonly id = nextContentsId++;
  private navigate: ((url: string, preventDefault: () => void) => void)[] = [];
  private redirect: ((url: string, preventDefault: () => void) => void)[] = [];
  private attachWebview: ((preventDefault: () => void) => void)[] = [];
  windowOpenHandler: ((url: string) => 'deny') | undefined;

  onWillNavigate(listener: (url: string, preventDefault: () => void) => void): void {
    this.navigate.push(listener);
  }
  onWillRedirect(listener: (url: string, preventDefault: () => void) => void): void {
    this.redirect.push(listener);
  }
  onWillAttachWebview(listener: (preventDefault: () => void) => void): void {
    this.attachWebview.push(listener);
  }
  setWindowOpenHandler(handler: (url: string) => 'deny'): void {
    this.windowOpenHandler = handler;
  }

  fireWillNavigate(url: string): Outcome {
    const { result, preventDefault } = outcome();
    for (const l of this.navigate) l(url, preventDefault);
    return result;
  }
  fireWillRedirect(url: string): Outcome {
    const { result, preventDefault } = outcome();
    for (const l of this.redirect) l(url, preventDefault);
    return result;
  }
  fireWillAttachWebview(): Outcome {
    const { result, preventDefault } = outcome();
    for (const l of this.attachWebview) l(preventDefault);
    return result;
  }
  /** window.open / target=_blank: what Electron would do (no handler means allowed). */
  fireWindowOpen(url: string): 'allow' | 'deny' {
    return this.windowOpenHandler === undefined ? 'allow' : this.windowOpenHandler(url);
  }
}

export class FakeWindow implements WindowPort {
  readonly webContents = new FakeWebContents();
  readonly loaded: string[] = [];
  readonly sent: { channel: string; payload: unknown }[] = [];
  destroyed = false;
  loading = true;
  visible = false;
  minimized = false;
  maximized: boolean;
  focused = 0;
  bounds: Rect;
  private readyToShow: (() => void)[] = [];
  private finishLoad: (() => void)[] = [];
  private close: ((preventDefault: () => void) => void)[] = [];
  private closed: (() => void)[] = [];
  private boundsChanged: (() => void)[] = [];

  constructor(readonly options: WindowOptions) {
    this.bounds = { ...options.bounds };
    this.maximized = options.maximized;
  }

  async loadURL(url: string): Promise<void> {
    this.loaded.push(url);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isLoading(): boolean {
    return this.loading;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  show(): void {
    this.visible = true;
  }
  restore(): void {
    this.minimized = false;
  }
  focus(): void {
    this.focused += 1;
  }
  hide(): void {
    this.visible = false;
  }
  getNormalBounds(): Rect {
    return { ...this.bounds };
  }
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
  onReadyToShow(listener: () => void): void {
    this.readyToShow.push(listener);
  }
  onDidFinishLoad(listener: () => void): void {
    this.finishLoad.push(listener);
  }
  onClose(listener: (preventDefault: () => void) => void): void {
    this.close.push(listener);
  }
  onClosed(listener: () => void): void {
    this.closed.push(listener);
  }
  onBoundsChanged(listener: () => void): void {
    this.boundsChanged.push(listener);
  }

  /** The page loaded: ready-to-show, then did-finish-load, as Electron orders them. */
  finishLoading(): void {
    this.loading = false;
    for (const l of this.readyToShow.splice(0)) l();
    for (const l of this.finishLoad) l();
  }
  moveTo(bounds: Rect): void {
    this.bounds = { ...bounds };
    for (const l of this.boundsChanged) l();
  }
  /** The user closes the window; returns whether the close was prevented. */
  userCloses(): Outcome {
    const { result, preventDefault } = outcome();
    for (const l of this.close) l(preventDefault);
    if (!result.prevented) {
      this.destroyed = true;
      for (const l of this.closed) l();
    }
    return result;
  }
  /** The `navigate`, `approvals.pending`… events the renderer received. */
  events(): { event: string; data: unknown }[] {
    return this.sent.filter((m) => m.channel === 'gatehouse:event').map((m) => m.payload as { event: string; data: unknown });
  }
}

export class FakeTray {
  toolTip = '';
  title = '';
  menu: readonly (TrayMenuItem | 'separator')[] = [];
  destroyed = false;
  private clicks: (() => void)[] = [];

  constructor(readonly iconPath: string) {}

  setToolTip(text: string): void {
    this.toolTip = text;
  }
  setTitle(text: string): void {
    this.title = text;
  }
  setMenu(items: readonly (TrayMenuItem | 'separator')[]): void {
    this.menu = items;
  }
  onClick(listener: () => void): void {
    this.clicks.push(listener);
  }
  destroy(): void {
    this.destroyed = true;
  }
  click(): void {
    for (const l of this.clicks) l();
  }
  menuItem(label: RegExp): TrayMenuItem {
    const item = this.menu.find((i): i is TrayMenuItem => i !== 'separator' && label.test(i.label));
    if (item === undefined) throw new Error(`no tray menu item matches ${label}`);
    return item;
  }
}

/** A stand-in for safeStorage: reversible, but visibly not plaintext, and it can be switched off. */
export class FakeSafeStorage {
  available = true;
  backend: string | undefined = 'gnome_libsecret';
  encryptions = 0;

  isEncryptionAvailable(): boolean {
    return this.available;
  }
  selectedStorageBackend(): string | undefined {
    return this.backend;
  }
  encryptString(plainText: string): Buffer {
    if (!this.available) throw new Error('Encryption is not available.');
    this.encryptions += 1;
    const bytes = Buffer.from(`sealed:${plainText}`, 'utf8');
    return Buffer.from(bytes.map((b) => b ^ 0x5a));
  }
  decryptString(encrypted: Buffer): string {
    if (!this.available) throw new Error('Decryption is not available.');
    const text = Buffer.from(encrypted.map((b) => b ^ 0x5a)).toString('utf8');
    if (!text.startsWith('sealed:')) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    return text.slice('sealed:'.length);
  }
}

export class MemoryStore implements KeyValueStore {
  readonly values = new Map<string, unknown>();
  constructor(readonly path = '/fake/user-data/store.json') {}
  get(key: string): unknown {
    return structuredClone(this.values.get(key));
  }
  set(key: string, value: unknown): void {
    this.values.set(key, structuredClone(value));
  }
  delete(key: string): void {
    this.values.delete(key);
  }
}

type Listener<A extends unknown[]> = (...args: A) => void;

/** The whole Electron surface the shell uses, recorded and driven by tests. */
export class FakeElectron implements ElectronPort {
  readonly windows: FakeWindow[] = [];
  readonly trays: FakeTray[] = [];
  readonly notifications: NotificationRequest[] = [];
  readonly opened: string[] = [];
  readonly contents: FakeWebContents[] = [];
  readonly safeStorage = new FakeSafeStorage();
  supportsNotifications = true;
  displays: Rect[] = [{ x: 0, y: 0, width: 1920, height: 1040 }];

  readonly lock = { held: true, requestedWith: undefined as SecondInstanceData | undefined };
  readonly calls = { quit: 0, exit: [] as number[], protocolClients: [] as string[], badge: [] as number[], privileged: [] as string[] };
  private readonly listeners = {
    secondInstance: [] as Listener<[string[], unknown]>[],
    openUrl: [] as Listener<[string]>[],
    activate: [] as Listener<[]>[],
    windowAllClosed: [] as Listener<[]>[],
    beforeQuit: [] as Listener<[]>[],
    willQuit: [] as Listener<[() => void]>[],
    webContentsCreated: [] as Listener<[WebContentsPort]>[],
  };
  private ready: () => void = () => undefined;
  private readonly readyPromise = new Promise<void>((resolve) => (this.ready = resolve));

  readonly permissions: {
    request?: (permission: string, url: string, grant: (granted: boolean) => void) => void;
    check?: (permission: string, origin: string) => boolean;
    headers?: (details: HeadersReceived) => Record<string, string[]>;
  } = {};
  readonly schemes = new Map<string, (url: string, method: string) => ProtocolAnswer>();
  readonly ipcHandlers = new Map<string, (event: IpcInvokeEvent, payload: unknown) => Promise<unknown>>();
  readonly ipcListeners = new Map<string, (event: IpcInvokeEvent, payload: unknown) => void>();

  readonly app = {
    isPackaged: true,
    platform: 'linux' as NodeJS.Platform,
    argv: ['/opt/Gatehouse/gatehouse'] as string[],
    requestSingleInstanceLock: (data: SecondInstanceData): boolean => {
      this.lock.requestedWith = data;
      return this.lock.held;
    },
    onSecondInstance: (l: Listener<[string[], unknown]>) => void this.listeners.secondInstance.push(l),
    onOpenUrl: (l: Listener<[string]>) => void this.listeners.openUrl.push(l),
    onActivate: (l: Listener<[]>) => void this.listeners.activate.push(l),
    onWindowAllClosed: (l: Listener<[]>) => void this.listeners.windowAllClosed.push(l),
    onBeforeQuit: (l: Listener<[]>) => void this.listeners.beforeQuit.push(l),
    onWillQuit: (l: Listener<[() => void]>) => void this.listeners.willQuit.push(l),
    onWebContentsCreated: (l: Listener<[WebContentsPort]>) => void this.listeners.webContentsCreated.push(l),
    whenReady: () => this.readyPromise,
    quit: () => {
      this.calls.quit += 1;
    },
    exit: (code: number) => void this.calls.exit.push(code),
    setAsDefaultProtocolClient: (scheme: string) => {
      this.calls.protocolClients.push(scheme);
      return true;
    },
    setBadgeCount: (count: number) => void this.calls.badge.push(count),
    userDataPath: () => '/fake/user-data',
  };

  readonly ipc = {
    handle: (channel: string, handler: (event: IpcInvokeEvent, payload: unknown) => Promise<unknown>) => void this.ipcHandlers.set(channel, handler),
    on: (channel: string, listener: (event: IpcInvokeEvent, payload: unknown) => void) => void this.ipcListeners.set(channel, listener),
  };

  readonly screen = {
    workAreas: () => this.displays.map((d) => ({ ...d })),
    primaryWorkArea: () => ({ ...this.displays[0]! }),
  };

  readonly session = {
    setPermissionRequestHandler: (h: NonNullable<FakeElectron['permissions']['request']>) => void (this.permissions.request = h),
    setPermissionCheckHandler: (h: NonNullable<FakeElectron['permissions']['check']>) => void (this.permissions.check = h),
    onHeadersReceived: (h: NonNullable<FakeElectron['permissions']['headers']>) => void (this.permissions.headers = h),
  };

  readonly protocol = {
    registerPrivilegedScheme: (scheme: string) => void this.calls.privileged.push(scheme),
    handle: (scheme: string, answer: (url: string, method: string) => ProtocolAnswer) => void this.schemes.set(scheme, answer),
  };

  /** The command line this (fake) process was started with. */
  withArgv(argv: string[]): this {
    this.app.argv = argv;
    return this;
  }

  createWindow(options: WindowOptions): FakeWindow {
    const window = new FakeWindow(options);
    this.windows.push(window);
    this.emitWebContentsCreated(window.webContents);
    return window;
  }

  createTray(iconPath: string, toolTip: string): FakeTray {
    const tray = new FakeTray(iconPath);
    tray.setToolTip(toolTip);
    this.trays.push(tray);
    return tray;
  }

  notificationsSupported(): boolean {
    return this.supportsNotifications;
  }

  showNotification(request: NotificationRequest): void {
    this.notifications.push(request);
  }

  async openExternal(url: string): Promise<void> {
    this.opened.push(url);
  }

  // ---- what the OS and the user do ----

  becomeReady(): void {
    this.ready();
  }
  emitWebContentsCreated(contents: FakeWebContents): void {
    this.contents.push(contents);
    for (const l of this.listeners.webContentsCreated) l(contents);
  }
  emitSecondInstance(argv: string[], data: unknown): void {
    for (const l of this.listeners.secondInstance) l(argv, data);
  }
  emitOpenUrl(url: string): void {
    for (const l of this.listeners.openUrl) l(url);
  }
  emitActivate(): void {
    for (const l of this.listeners.activate) l();
  }
  /** app.quit() as Electron runs it: before-quit, closing windows, will-quit. Returns whether will-quit was prevented. */
  runQuit(): Outcome {
    for (const l of this.listeners.beforeQuit) l();
    for (const w of this.windows) if (!w.destroyed) w.userCloses();
    const { result, preventDefault } = outcome();
    for (const l of this.listeners.willQuit) l(preventDefault);
    return result;
  }
  hasWindowAllClosedListener(): boolean {
    return this.listeners.windowAllClosed.length > 0;
  }
  /** An IPC invoke as it would arrive from a frame. */
  async invoke(channel: string, sender: IpcInvokeEvent, payload: unknown): Promise<unknown> {
    const handler = this.ipcHandlers.get(channel);
    if (handler === undefined) throw new Error(`no handler for ${channel}`);
    return handler(sender, payload);
  }
  sendIpc(channel: string, sender: IpcInvokeEvent, payload: unknown): void {
    const listener = this.ipcListeners.get(channel);
    if (listener === undefined) throw new Error(`no listener for ${channel}`);
    listener(sender, payload);
  }
}

/** A logger that keeps what it was told, so tests can check nothing secret is logged. */
export class RecordingLog {
  readonly lines: { level: string; obj: object; msg: string }[] = [];
  info(obj: object, msg: string): void {
    this.lines.push({ level: 'info', obj, msg });
  }
  warn(obj: object, msg: string): void {
    this.lines.push({ level: 'warn', obj, msg });
  }
  error(obj: object, msg: string): void {
    this.lines.push({ level: 'error', obj, msg });
  }
  text(): string {
    return JSON.stringify(this.lines);
  }
}
