import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { BrowserWindow, Menu, Notification, Tray, app, ipcMain, nativeImage, protocol, safeStorage, screen, session, shell } from 'electron';
import type { IpcMainEvent, IpcMainInvokeEvent, WebContents } from 'electron';
import type { ElectronPort, IpcInvokeEvent, ProtocolAnswer, WebContentsPort, WindowOptions, WindowPort } from './electron-port.ts';

/*
 * The real Electron behind the port: each method forwards to one Electron API call and
 * decides nothing. This file is the only part of the shell the unit tests cannot reach.
 */

function webContentsPort(contents: WebContents): WebContentsPort {
  return {
    id: contents.id,
    onWillNavigate: (listener) => {
      contents.on('will-navigate', (event) => listener(event.url, () => event.preventDefault()));
      // Sub-frames too; the main frame is already covered by will-navigate.
      contents.on('will-frame-navigate', (event) => {
        if (!event.isMainFrame) listener(event.url, () => event.preventDefault());
      });
    },
    onWillRedirect: (listener) => contents.on('will-redirect', (event) => listener(event.url, () => event.preventDefault())),
    onWillAttachWebview: (listener) => contents.on('will-attach-webview', (event) => listener(() => event.preventDefault())),
    setWindowOpenHandler: (handler) => contents.setWindowOpenHandler((details) => ({ action: handler(details.url) })),
  };
}

function windowPort(options: WindowOptions): WindowPort {
  const window = new BrowserWindow({
    ...options.bounds,
    minWidth: options.minWidth,
    minHeight: options.minHeight,
    title: options.title,
    backgroundColor: options.backgroundColor,
    show: false,
    // Spelled out rather than left to Electron's defaults, so neither a changed default nor a
    // careless edit can weaken them: no Node.js in the page, isolated from the preload's world,
    // sandboxed by Chromium, same-origin rules kept, no webviews, no middle-click windows.
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      disableBlinkFeatures: 'Auxclick',
      safeDialogs: true,
      spellcheck: false,
    },
  });
  if (options.maximized) window.maximize();
  const contents = window.webContents;
  return {
    webContents: webContentsPort(contents),
    loadURL: (url) => window.loadURL(url),
    isDestroyed: () => window.isDestroyed(),
    isLoading: () => contents.isLoading(),
    isVisible: () => window.isVisible(),
    isMinimized: () => window.isMinimized(),
    isMaximized: () => window.isMaximized(),
    show: () => window.show(),
    restore: () => window.restore(),
    focus: () => window.focus(),
    hide: () => window.hide(),
    getNormalBounds: () => window.getNormalBounds(),
    send: (channel, payload) => contents.send(channel, payload),
    onReadyToShow: (listener) => window.once('ready-to-show', listener),
    onDidFinishLoad: (listener) => contents.on('did-finish-load', listener),
    onClose: (listener) => window.on('close', (event) => listener(() => event.preventDefault())),
    onClosed: (listener) => window.on('closed', listener),
    onBoundsChanged: (listener) => {
      window.on('resized', listener);
      window.on('moved', listener);
      window.on('maximize', listener);
      window.on('unmaximize', listener);
    },
  };
}

function invokeEvent(event: IpcMainInvokeEvent | IpcMainEvent): IpcInvokeEvent {
  const frame = event.senderFrame;
  return { senderId: event.sender.id, senderFrameUrl: frame?.url, senderIsMainFrame: frame !== null && frame.parent === null };
}

async function protocolResponse(answer: ProtocolAnswer, method: string): Promise<Response> {
  if (answer.kind === 'status') return new Response(null, { status: answer.status, headers: answer.headers });
  try {
    const body = await readFile(answer.path);
    return new Response(method === 'HEAD' ? null : body, { status: 200, headers: answer.headers });
  } catch {
    return new Response(null, { status: 404, headers: answer.headers });
  }
}

// Electron keeps no reference to a shown notification; without one a click can arrive after it was collected.
const liveNotifications = new Set<Notification>();

export function realElectronPort(): ElectronPort {
  return {
    app: {
      isPackaged: app.isPackaged,
      platform: process.platform,
      argv: process.argv,
      requestSingleInstanceLock: (data) => app.requestSingleInstanceLock({ ...data }),
      onSecondInstance: (listener) => app.on('second-instance', (_event, argv, _cwd, data) => listener(argv, data)),
      onOpenUrl: (listener) =>
        app.on('open-url', (event, url) => {
          event.preventDefault();
          listener(url);
        }),
      onActivate: (listener) => app.on('activate', listener),
      onWindowAllClosed: (listener) => app.on('window-all-closed', listener),
      onBeforeQuit: (listener) => app.on('before-quit', listener),
      onWillQuit: (listener) => app.on('will-quit', (event) => listener(() => event.preventDefault())),
      onWebContentsCreated: (listener) => app.on('web-contents-created', (_event, contents) => listener(webContentsPort(contents))),
      whenReady: async () => {
        await app.whenReady();
      },
      quit: () => app.quit(),
      exit: (code) => app.exit(code),
      setAsDefaultProtocolClient: (scheme) =>
        // Unpackaged (npm start) the handler must name the app's entry, not just the Electron binary.
        process.defaultApp && process.argv[1] !== undefined ? app.setAsDefaultProtocolClient(scheme, process.execPath, [resolve(process.argv[1])]) : app.setAsDefaultProtocolClient(scheme),
      setBadgeCount: (count) => {
        app.setBadgeCount(count);
      },
      userDataPath: () => app.getPath('userData'),
    },
    ipc: {
      handle: (channel, handler) => ipcMain.handle(channel, (event, payload: unknown) => handler(invokeEvent(event), payload)),
      on: (channel, listener) => ipcMain.on(channel, (event, payload: unknown) => listener(invokeEvent(event), payload)),
    },
    safeStorage: {
      isEncryptionAvailable: () => safeStorage.isEncryptionAvailable(),
      selectedStorageBackend: () => (process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : undefined),
      encryptString: (plainText) => safeStorage.encryptString(plainText),
      decryptString: (encrypted) => safeStorage.decryptString(encrypted),
    },
    screen: {
      workAreas: () => screen.getAllDisplays().map((display) => display.workArea),
      primaryWorkArea: () => screen.getPrimaryDisplay().workArea,
    },
    session: {
      setPermissionRequestHandler: (handler) =>
        session.defaultSession.setPermissionRequestHandler((_contents, permission, callback, details) => handler(permission, details.requestingUrl, callback)),
      setPermissionCheckHandler: (handler) => session.defaultSession.setPermissionCheckHandler((_contents, permission, requestingOrigin) => handler(permission, requestingOrigin)),
      onHeadersReceived: (handler) =>
        session.defaultSession.webRequest.onHeadersReceived((details, callback) =>
          callback({ responseHeaders: handler({ url: details.url, resourceType: details.resourceType, responseHeaders: details.responseHeaders ?? {} }) }),
        ),
    },
    protocol: {
      // corsEnabled: Vite's <script type="module" crossorigin> is a CORS-mode fetch; no answer carries
      // Access-Control-Allow-Origin, so other origins still cannot read app:// resources.
      registerPrivilegedScheme: (scheme) => protocol.registerSchemesAsPrivileged([{ scheme, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } }]),
      handle: (scheme, answer) => protocol.handle(scheme, (request) => protocolResponse(answer(request.url, request.method), request.method)),
    },
    createWindow: windowPort,
    createTray: (iconPath, toolTip) => {
      const tray = new Tray(nativeImage.createFromPath(iconPath));
      tray.setToolTip(toolTip);
      return {
        setToolTip: (text) => tray.setToolTip(text),
        setTitle: (text) => tray.setTitle(text),
        setMenu: (items) => tray.setContextMenu(Menu.buildFromTemplate(items.map((item) => (item === 'separator' ? { type: 'separator' as const } : { label: item.label, enabled: item.enabled, click: item.click })))),
        onClick: (listener) => tray.on('click', listener),
        destroy: () => tray.destroy(),
      };
    },
    notificationsSupported: () => Notification.isSupported(),
    showNotification: (request) => {
      const notification = new Notification({ title: request.title, body: request.body });
      liveNotifications.add(notification);
      notification.on('click', () => {
        liveNotifications.delete(notification);
        request.onClick();
      });
      notification.on('close', () => liveNotifications.delete(notification));
      notification.show();
    },
    openExternal: (url) => shell.openExternal(url),
  };
}
