import { describe, expect, it } from 'vitest';
import type { SessionState } from '../../../shared/bridge/session-bridge.ts';
import type { RunningBroker } from '../../../electron/app/broker-host.ts';
import { runGatehouseApp } from '../../../electron/app/gatehouse-app.ts';
import { AppOrigin } from '../../../electron/security/app-origin.ts';
import { SafeStorageTokenStore } from '../../../electron/storage/safe-storage-token-store.ts';
import { FakeElectron, MemoryStore, RecordingLog } from './fake-electron-port.ts';

const ID = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

const signedOut: SessionState = { host: 'electron', serverUrl: 'https://gatehouse.example.com', issuer: null, signedIn: false, user: null, expiresAt: null, expiryWarning: false };

const signedIn: SessionState = {
  ...signedOut,
  issuer: 'https://idp.example.com',
  signedIn: true,
  user: { subject: 'bob', name: 'bob', groups: ['db-approvers'], roles: [], approverGroups: ['db-approvers'], machine: false },
  expiresAt: '2030-01-01T00:00:00.000Z',
};

class FakeBroker implements RunningBroker {
  readonly calls: { method: string; params: unknown }[] = [];
  readonly started: { tokenStore: SafeStorageTokenStore; openExternal: (url: string) => Promise<void> }[] = [];
  closed = 0;
  sessionStateFails = false;
  signedInWithPending: number | undefined;
  private readonly listeners = new Set<(event: string, data: unknown) => void>();
  readonly dispatcher = {
    call: async (method: string, params: unknown) => {
      this.calls.push({ method, params });
      if (method === 'session.state' && this.sessionStateFails) return { ok: false as const, error: { code: 'unavailable' as const, message: 'starting' } };
      if (method === 'session.state') return { ok: true as const, result: this.signedInWithPending === undefined ? signedOut : signedIn };
      if (method === 'approvals.inbox') return { ok: true as const, result: { requests: [], pendingForMe: this.signedInWithPending } };
      return { ok: true as const, result: { method } };
    },
    ack: () => undefined,
    onEvent: (listener: (event: string, data: unknown) => void) => {
      this.listeners.add(listener);
      return () => this.listeners.delete(listener);
    },
  };
  emit(event: string, data: unknown): void {
    for (const l of this.listeners) l(event, data);
  }
  async close(): Promise<void> {
    this.closed += 1;
  }
}

async function start(electron = new FakeElectron(), beforeReady: (e: FakeElectron) => void = () => undefined, broker = new FakeBroker()) {
  const log = new RecordingLog();
  const running = runGatehouseApp({
    port: electron,
    appOrigin: AppOrigin.packaged(),
    rendererDir: '/opt/Gatehouse/out/renderer',
    preloadPath: '/opt/Gatehouse/out/preload/index.cjs',
    trayIconPath: '/opt/Gatehouse/tray.png',
    windowStateStore: new MemoryStore(),
    tokenStore: new MemoryStore(),
    savedServerUrl: () => 'https://saved.example.com',
    startBroker: async (o) => {
      broker.started.push(o);
      return broker;
    },
    log,
  });
  beforeReady(electron);
  electron.becomeReady();
  const app = await running;
  return { electron, broker, log, app };
}

async function started(electron?: FakeElectron, beforeReady?: (e: FakeElectron) => void, broker?: FakeBroker) {
  const s = await start(electron, beforeReady, broker);
  const window = s.electron.windows[0]!;
  window.finishLoading();
  return { ...s, window };
}

describe('single instance', () => {
  it('a second instance hands its deep link to the first and quits without starting a broker', async () => {
    const electron = new FakeElectron().withArgv(['/opt/Gatehouse/gatehouse', `gatehouse://approvals/${ID}`]);
    electron.lock.held = false;
    const { broker, app } = await start(electron);
    expect(app).toBeUndefined();
    expect(electron.lock.requestedWith).toEqual({ deepLink: `gatehouse://approvals/${ID}` });
    expect(electron.calls.quit).toBe(1);
    expect(broker.started).toEqual([]);
    expect(electron.windows).toEqual([]);
  });

  it('the first instance focuses its window and opens the link the second one forwarded', async () => {
    const { electron, window } = await started();
    window.hide();
    electron.emitSecondInstance(['/opt/Gatehouse/gatehouse'], { deepLink: `gatehouse://approvals/${ID}` });
    expect(window.visible).toBe(true);
    expect(window.events().at(-1)).toEqual({ event: 'navigate', data: { route: `gatehouse://approvals/${ID}` } });
  });

  it('a deep link on the first command line opens once the page has loaded', async () => {
    const electron = new FakeElectron().withArgv(['/opt/Gatehouse/gatehouse', 'gatehouse://connect/demo']);
    const { window } = await started(electron);
    expect(window.events()).toEqual([{ event: 'navigate', data: { route: 'gatehouse://connect/demo' } }]);
  });

  it('a macOS open-url event before ready is kept for the window', async () => {
    const { window } = await started(new FakeElectron(), (e) => e.emitOpenUrl(`gatehouse://approvals/${ID}`));
    expect(window.events()).toEqual([{ event: 'navigate', data: { route: `gatehouse://approvals/${ID}` } }]);
  });
});

describe('startup', () => {
  it('registers the app scheme before ready, then locks the session down and serves the renderer', async () => {
    const { electron } = await started();
    expect(electron.calls.privileged).toEqual(['app']);
    expect(electron.calls.protocolClients).toEqual(['gatehouse']);
    expect(electron.permissions.request).toBeDefined();
    expect(electron.permissions.check!('notifications', 'app://gatehouse')).toBe(false);
    const headers = electron.permissions.headers!({ url: 'app://gatehouse/index.html', resourceType: 'mainFrame', responseHeaders: {} });
    expect(headers['Content-Security-Policy']![0]).toContain("script-src 'self'");
    expect(electron.schemes.get('app')!('app://gatehouse/', 'GET')).toMatchObject({ kind: 'file', path: '/opt/Gatehouse/out/renderer/index.html' });
    expect(electron.hasWindowAllClosedListener()).toBe(true);
  });

  it('starts the broker once with the safeStorage token store', async () => {
    const { broker } = await started();
    expect(broker.started).toHaveLength(1);
    expect(broker.started[0]!.tokenStore).toBeInstanceOf(SafeStorageTokenStore);
  });

  it('opens one guarded window on the app page, and a tray', async () => {
    const { electron, window } = await started();
    expect(electron.windows).toHaveLength(1);
    expect(window.loaded).toEqual(['app://gatehouse/index.html']);
    expect(window.visible).toBe(true);
    expect(window.webContents.fireWillNavigate('https://evil.example.com/').prevented).toBe(true);
    expect(window.webContents.fireWindowOpen('https://evil.example.com/')).toBe('deny');
    expect(electron.trays).toHaveLength(1);
    expect(electron.trays[0]!.iconPath).toBe('/opt/Gatehouse/tray.png');
  });
});

describe('the bridge over IPC', () => {
  it('serves the main window and refuses any other webContents', async () => {
    const { electron, window, broker } = await started();
    const fromWindow = { senderId: window.webContents.id, senderFrameUrl: 'app://gatehouse/index.html', senderIsMainFrame: true };
    expect(await electron.invoke('gatehouse:call', fromWindow, { method: 'connections.list', params: {} })).toEqual({ ok: true, result: { method: 'connections.list' } });
    expect(await electron.invoke('gatehouse:call', { ...fromWindow, senderId: window.webContents.id + 100 }, { method: 'connections.list', params: {} })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(broker.calls.filter((c) => c.method === 'connections.list')).toHaveLength(1);
  });

  it('forwards every broker event to the renderer', async () => {
    const { broker, window } = await started();
    broker.emit('query.event', { queryId: 'q1', kind: 'rows' });
    expect(window.events()).toContainEqual({ event: 'query.event', data: { queryId: 'q1', kind: 'rows' } });
  });
});

describe('while the broker starts', () => {
  it('the window and tray are up at once, and calls wait for the broker', async () => {
    const electron = new FakeElectron();
    const broker = new FakeBroker();
    let release: (b: FakeBroker) => void = () => undefined;
    const running = runGatehouseApp({
      port: electron,
      appOrigin: AppOrigin.packaged(),
      rendererDir: '/r',
      preloadPath: '/p.cjs',
      trayIconPath: '/t.png',
      windowStateStore: new MemoryStore(),
      tokenStore: new MemoryStore(),
      savedServerUrl: () => null,
      startBroker: () => new Promise<FakeBroker>((resolve) => (release = resolve)),
      log: new RecordingLog(),
    });
    electron.becomeReady();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const window = electron.windows[0]!;
    expect(window.loaded).toEqual(['app://gatehouse/index.html']);
    expect(electron.trays).toHaveLength(1);
    const fromWindow = { senderId: window.webContents.id, senderFrameUrl: 'app://gatehouse/index.html', senderIsMainFrame: true };
    const answer = electron.invoke('gatehouse:call', fromWindow, { method: 'connections.list', params: {} });
    expect(broker.calls).toEqual([]);
    release(broker);
    expect(await answer).toEqual({ ok: true, result: { method: 'connections.list' } });
    await running;
  });

  it('a broker that cannot start answers calls with unavailable, and the start fails', async () => {
    const electron = new FakeElectron();
    const running = runGatehouseApp({
      port: electron,
      appOrigin: AppOrigin.packaged(),
      rendererDir: '/r',
      preloadPath: '/p.cjs',
      trayIconPath: '/t.png',
      windowStateStore: new MemoryStore(),
      tokenStore: new MemoryStore(),
      savedServerUrl: () => null,
      startBroker: () => Promise.reject(new Error('app-settings.json is not valid JSON')),
      log: new RecordingLog(),
    });
    electron.becomeReady();
    await expect(running).rejects.toThrow(/not valid JSON/);
    const window = electron.windows[0]!;
    const fromWindow = { senderId: window.webContents.id, senderFrameUrl: 'app://gatehouse/index.html', senderIsMainFrame: true };
    expect(await electron.invoke('gatehouse:call', fromWindow, { method: 'session.state', params: {} })).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  });
});

describe('tray and notifications', () => {
  it('starts with the pending count of a resumed sign-in', async () => {
    const broker = new FakeBroker();
    broker.signedInWithPending = 4;
    const { electron } = await started(undefined, undefined, broker);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(electron.trays[0]!.toolTip).toBe('Gatehouse: 4 approvals waiting');
  });


  it('shows the pending count from approvals.pending', async () => {
    const { electron, broker } = await started();
    broker.emit('approvals.pending', { count: 2 });
    expect(electron.trays[0]!.toolTip).toBe('Gatehouse: 2 approvals waiting');
    expect(electron.calls.badge.at(-1)).toBe(2);
  });

  it('raises a notification as the event arrives; clicking it opens the request', async () => {
    const { electron, broker, window } = await started();
    window.userCloses();
    const before = Date.now();
    broker.emit('notification', { title: 'Approval requested', body: 'alice: UPDATE accounts …', deepLink: `gatehouse://approvals/${ID}` });
    expect(electron.notifications).toHaveLength(1);
    expect(Date.now() - before).toBeLessThan(1000);
    expect(electron.notifications[0]).toMatchObject({ title: 'Approval requested', body: 'alice: UPDATE accounts …' });
    electron.notifications[0]!.onClick();
    expect(window.visible).toBe(true);
    expect(window.events().at(-1)).toEqual({ event: 'navigate', data: { route: `gatehouse://approvals/${ID}` } });
  });

  it('opens the inbox from the tray’s pending item', async () => {
    const { electron, broker, window } = await started();
    broker.emit('approvals.pending', { count: 1 });
    electron.trays[0]!.menuItem(/waiting/).click!();
    expect(window.events().at(-1)).toEqual({ event: 'navigate', data: { route: '/approvals' } });
  });
});

describe('external links', () => {
  it('trusts the server and IdP of the current session, and follows session.changed', async () => {
    const { electron, broker, window } = await started();
    window.webContents.fireWindowOpen('https://gatehouse.example.com/help');
    window.webContents.fireWindowOpen('https://saved.example.com/help');
    broker.emit('session.changed', { ...signedOut, serverUrl: 'https://other.example.com', issuer: 'https://idp.example.com/realms/x' });
    window.webContents.fireWindowOpen('https://gatehouse.example.com/help');
    window.webContents.fireWindowOpen('https://idp.example.com/realms/x/account');
    expect(electron.opened).toEqual(['https://gatehouse.example.com/help', 'https://idp.example.com/realms/x/account']);
  });

  it('trusts the saved server while the broker cannot tell its session yet', async () => {
    const broker = new FakeBroker();
    broker.sessionStateFails = true;
    const { electron, window } = await started(undefined, undefined, broker);
    window.webContents.fireWindowOpen('https://saved.example.com/help');
    window.webContents.fireWindowOpen('https://gatehouse.example.com/help');
    expect(electron.opened).toEqual(['https://saved.example.com/help']);
  });

  it('lets the broker open its sign-in page in the browser', async () => {
    const { electron, broker } = await started();
    await broker.started[0]!.openExternal('https://idp.example.com/authorize?x=1');
    await expect(broker.started[0]!.openExternal('file:///etc/passwd')).rejects.toThrow();
    expect(electron.opened).toEqual(['https://idp.example.com/authorize?x=1']);
  });
});

describe('lifetime', () => {
  it('closing the window hides it; the broker keeps running', async () => {
    const { window, broker } = await started();
    expect(window.userCloses().prevented).toBe(true);
    expect(window.visible).toBe(false);
    expect(broker.closed).toBe(0);
  });

  it('Quit in the tray quits; the broker is closed before the process exits', async () => {
    const { electron, broker, window } = await started();
    electron.trays[0]!.menuItem(/Quit/).click!();
    expect(electron.calls.quit).toBe(1);
    const willQuit = electron.runQuit();
    expect(willQuit.prevented).toBe(true);
    expect(window.destroyed).toBe(true);
    expect(electron.trays[0]!.destroyed).toBe(true);
    expect(electron.calls.exit).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(broker.closed).toBe(1);
    expect(electron.calls.exit).toEqual([0]);
  });

  it('the dock icon (macOS activate) brings the window back', async () => {
    const { electron, window } = await started();
    window.userCloses();
    electron.emitActivate();
    expect(window.visible).toBe(true);
  });
});
