import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, dialog } from 'electron';
import Store from 'electron-store';
import trayIconPath from '../build/tray/tray.png?asset';
import { startBrokerBridge } from '../broker/bridge/start-broker-bridge.ts';
import { createLogger } from '../broker/log.ts';
import { runGatehouseApp } from './app/gatehouse-app.ts';
import { realElectronPort } from './ports/real-electron-port.ts';
import { AppOrigin } from './security/app-origin.ts';

/*
 * The Electron entry: plugs the real Electron module and electron-store into the shell's
 * logic (electron/app/gatehouse-app.ts) and starts it. Nothing is decided here.
 */
const log = createLogger({ name: 'gatehouse-desktop' });
const here = dirname(fileURLToPath(import.meta.url));
// electron-vite's dev server, only ever for an unpackaged app (npm start).
const devServerUrl = app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL'];

app.setAppUserModelId('dev.gatehouse.app');
const storeOptions = { accessPropertiesByDotNotation: false, configFileMode: 0o600 } as const;
// The broker reads and writes the server URL in this file itself (it is electron-store's JSON file).
const settings = new Store<Record<string, unknown>>({ name: 'app-settings', ...storeOptions });

runGatehouseApp({
  port: realElectronPort(),
  appOrigin: devServerUrl === undefined ? AppOrigin.packaged() : AppOrigin.devServer(devServerUrl),
  rendererDir: join(here, '../renderer'),
  preloadPath: join(here, '../preload/index.cjs'),
  trayIconPath,
  windowStateStore: new Store<Record<string, unknown>>({ name: 'window-state', ...storeOptions }),
  tokenStore: new Store<Record<string, unknown>>({ name: 'tokens', ...storeOptions }),
  savedServerUrl: () => {
    const url = settings.get('serverUrl');
    return typeof url === 'string' ? url : null;
  },
  startBroker: ({ tokenStore, openExternal }) => startBrokerBridge({ host: 'electron', tokenStore, settingsFile: settings.path, openExternal, log }),
  log,
}).catch((error: unknown) => {
  log.error({ err: error }, 'Gatehouse could not start');
  dialog.showErrorBox('Gatehouse could not start', error instanceof Error ? error.message : String(error));
  app.exit(1);
});
