import { bridgeMethods } from '../../shared/bridge/bridge-methods.ts';
import { DEEP_LINK_SCHEME, findDeepLinkArgument } from '../deep-links/deep-link.ts';
import { DeepLinkRouter } from '../deep-links/deep-link-router.ts';
import { registerBridgeIpc } from '../ipc/bridge-ipc.ts';
import { NotificationPresenter } from '../notifications/notification-presenter.ts';
import type { ElectronPort } from '../ports/electron-port.ts';
import type { KeyValueStore } from '../ports/key-value-store.ts';
import { APP_SCHEME, type AppOrigin } from '../security/app-origin.ts';
import { answerAppRequest } from '../security/app-protocol.ts';
import { contentSecurityPolicy, withContentSecurityPolicy } from '../security/content-security-policy.ts';
import { ExternalLinkAllowlist } from '../security/external-link-allowlist.ts';
import { ExternalLinks } from '../security/external-links.ts';
import { isTrustedSender } from '../security/ipc-sender-check.ts';
import { guardWebContents } from '../security/navigation-guard.ts';
import { denyAllPermissions } from '../security/permission-policy.ts';
import { SafeStorageTokenStore } from '../storage/safe-storage-token-store.ts';
import { AppTray } from '../tray/app-tray.ts';
import { MainWindow } from '../window/main-window.ts';
import { WindowStateStore } from '../window/window-state-store.ts';
import type { RunningBroker, StartBroker } from './broker-host.ts';
import { StartingBroker } from './starting-broker.ts';
import { connectBrokerEvents } from './broker-events.ts';
import type { ShellLog } from './shell-log.ts';

/** How long quitting waits for the broker to flush its spools and close its listeners. */
const BROKER_CLOSE_TIMEOUT_MS = 5_000;

export interface GatehouseAppOptions {
  port: ElectronPort;
  appOrigin: AppOrigin;
  /** The built renderer (out/renderer), served as app://gatehouse/ when not on the dev server. */
  rendererDir: string;
  preloadPath: string;
  trayIconPath: string;
  windowStateStore: KeyValueStore;
  tokenStore: KeyValueStore;
  /** The server URL saved in settings, trusted for external links before the broker reports its session. */
  savedServerUrl: () => string | null;
  startBroker: StartBroker;
  log: ShellLog;
}

export interface RunningGatehouseApp {
  window: MainWindow;
  tray: AppTray;
  broker: RunningBroker;
  allowlist: ExternalLinkAllowlist;
}

/**
 * The desktop app's lifecycle: one instance, every webContents locked down, the broker started
 * once and kept until quit, one window that hides to the tray, deep links and notifications
 * routed into it. Returns undefined in a second instance, which hands over and quits.
 */
export async function runGatehouseApp(o: GatehouseAppOptions): Promise<RunningGatehouseApp | undefined> {
  const { port, appOrigin, log } = o;
  // Before `ready` (Electron requires it): gives app:// a real, secure origin.
  port.protocol.registerPrivilegedScheme(APP_SCHEME);

  const router = new DeepLinkRouter(log);
  const firstLink = findDeepLinkArgument(port.app.argv);
  if (!port.app.requestSingleInstanceLock(firstLink === undefined ? {} : { deepLink: firstLink })) {
    port.app.quit();
    return undefined;
  }
  if (firstLink !== undefined) router.receive(firstLink);
  port.app.onOpenUrl((url) => router.receive(url));
  port.app.onSecondInstance((argv, data) => router.secondInstance(argv, data));

  const allowlist = new ExternalLinkAllowlist();
  allowlist.trust([o.savedServerUrl()]);
  const externalLinks = new ExternalLinks(allowlist, (url) => port.openExternal(url), log);
  // Registered before the first window exists, so no webContents ever runs unguarded.
  port.app.onWebContentsCreated((contents) => guardWebContents(contents, appOrigin, externalLinks));
  // The tray keeps the app (and the broker) running with no window open.
  port.app.onWindowAllClosed(() => undefined);

  await port.app.whenReady();
  if (!port.app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME)) log.warn({}, `could not register as the ${DEEP_LINK_SCHEME}:// handler`);
  denyAllPermissions(port.session, log);
  port.session.onHeadersReceived((details) => withContentSecurityPolicy(details, appOrigin));
  if (!appOrigin.isDevServer) {
    const csp = contentSecurityPolicy(appOrigin);
    port.protocol.handle(APP_SCHEME, (url, method) => answerAppRequest(url, method, o.rendererDir, csp));
  }

  const tokenStore = new SafeStorageTokenStore(o.tokenStore, port.safeStorage);
  if (!tokenStore.canStoreSecurely()) log.warn({}, 'no OS keychain is available: sign-in will work only once one is');
  const starting = o.startBroker({ tokenStore, openExternal: (url) => externalLinks.openFromBroker(url) });
  // Handled below; this keeps a failed start from also counting as an unhandled rejection.
  starting.catch(() => undefined);

  // The window comes up at once; its calls wait for the broker (StartingBroker).
  const window = new MainWindow(port, appOrigin, o.preloadPath, new WindowStateStore(o.windowStateStore), log);
  registerBridgeIpc(port.ipc, new StartingBroker(starting), (event) => isTrustedSender(event, window.webContentsId(), appOrigin), log);
  const tray = new AppTray(port, o.trayIconPath, {
    open: () => window.open(),
    openApprovals: () => window.openAt('/approvals'),
    quit: () => port.app.quit(),
  });
  tray.start();
  port.app.onActivate(() => window.open());
  port.app.onBeforeQuit(() => window.allowClose());
  let closing = false;
  port.app.onWillQuit((preventDefault) => {
    if (closing) return;
    closing = true;
    // Let the broker finish: audit spools flushed, listeners closed. Then leave for good.
    preventDefault();
    tray.destroy();
    void starting
      .then((broker) => closeWithin(broker, BROKER_CLOSE_TIMEOUT_MS))
      .catch((error: unknown) => log.error({ err: error }, 'the broker did not close cleanly'))
      .finally(() => port.app.exit(0));
  });
  router.attach(window);

  const broker = await starting;
  const notifications = new NotificationPresenter(port, window, log);
  const heard = { session: false, pending: false };
  connectBrokerEvents(broker.dispatcher, {
    toRenderer: (event, data) => window.send(event, data),
    pendingApprovals: (count) => {
      heard.pending = true;
      tray.setPending(count);
    },
    notification: (data) => notifications.present(data),
    trustedSites: (serverUrl, issuer) => {
      heard.session = true;
      allowlist.trust([serverUrl, issuer]);
    },
  });
  // Events raised while the broker started were not heard: ask once. An event that overtakes an answer is newer and wins.
  void catchUp(broker).then((now) => {
    if (now.sites !== undefined && !heard.session) allowlist.trust(now.sites);
    if (now.pending !== undefined && !heard.pending) tray.setPending(now.pending);
  });

  log.info({ origin: appOrigin.origin }, 'Gatehouse is running');
  return { window, tray, broker, allowlist };
}

/** The session's server and IdP, and (when signed in) the pending count, as they are now. */
async function catchUp(broker: RunningBroker): Promise<{ sites?: (string | null)[]; pending?: number }> {
  const answer = await broker.dispatcher.call('session.state', {});
  if (!answer.ok) return {};
  const state = bridgeMethods['session.state'].result.safeParse(answer.result);
  if (!state.success) return {};
  const sites = [state.data.serverUrl, state.data.issuer];
  if (!state.data.signedIn) return { sites };
  const inbox = await broker.dispatcher.call('approvals.inbox', {});
  const parsed = inbox.ok ? bridgeMethods['approvals.inbox'].result.safeParse(inbox.result) : undefined;
  return parsed?.success === true ? { sites, pending: parsed.data.pendingForMe } : { sites };
}

function closeWithin(broker: RunningBroker, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the broker did not close within ${ms} ms`)), ms);
  });
  return Promise.race([broker.close(), timeout]).finally(() => clearTimeout(timer));
}
