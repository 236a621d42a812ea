import type { IpcInvokeEvent } from '../ports/electron-port.ts';
import type { AppOrigin } from './app-origin.ts';

/**
 * An IPC message is trusted only if it comes from the main window's own webContents, from
 * its top frame, while that frame shows one of the app's pages. A sub-frame, another window,
 * or the main window after it was somehow navigated away gets nothing.
 */
export function isTrustedSender(event: IpcInvokeEvent, mainWebContentsId: number | undefined, appOrigin: AppOrigin): boolean {
  if (mainWebContentsId === undefined || event.senderId !== mainWebContentsId) return false;
  if (!event.senderIsMainFrame) return false;
  return appOrigin.contains(event.senderFrameUrl);
}
