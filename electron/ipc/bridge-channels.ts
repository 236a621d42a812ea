/* The three IPC channels of the Electron bridge transport; the preload and the main process share them. */
export const CALL_CHANNEL = 'gatehouse:call';
export const EVENT_CHANNEL = 'gatehouse:event';
export const ACK_CHANNEL = 'gatehouse:ack';
