import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadApi } from './preload/preload-api.ts';

/*
 * The renderer's only door to the main process: three functions on `window.gatehouse`,
 * carrying bridge envelopes. ipcRenderer itself is never exposed.
 */
contextBridge.exposeInMainWorld(
  'gatehouse',
  createPreloadApi({
    invoke: (channel, payload) => ipcRenderer.invoke(channel, payload),
    send: (channel, payload) => ipcRenderer.send(channel, payload),
    on: (channel, listener) => {
      ipcRenderer.on(channel, (_event, payload: unknown) => listener(payload));
    },
  }),
);
