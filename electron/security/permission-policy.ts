import type { SessionPort } from '../ports/electron-port.ts';
import { originForLog } from './origin-for-log.ts';

export interface PermissionLog {
  warn(obj: object, msg: string): void;
}

/**
 * The renderer needs no browser permission (no camera, location, notifications, clipboard
 * reads, HID…): OS notifications come from the main process, everything else goes through the
 * bridge. Both the asynchronous requests and the synchronous checks are refused, for every
 * origin, including the app's own.
 */
export function denyAllPermissions(session: SessionPort, log: PermissionLog): void {
  session.setPermissionRequestHandler((permission, requestingUrl, grant) => {
    log.warn({ permission, origin: originForLog(requestingUrl) }, 'denied a permission request');
    grant(false);
  });
  session.setPermissionCheckHandler(() => false);
}
