import { notificationSchema } from '../../shared/bridge/approvals-bridge.ts';
import { navigateTargetFor } from '../deep-links/deep-link.ts';
import type { ElectronPort, NotificationRequest } from '../ports/electron-port.ts';

const MAX_TITLE = 120;
const MAX_BODY = 400;

export interface NotificationTargets {
  open(): void;
  openAt(route: string): void;
}

export interface NotificationLog {
  warn(obj: object, msg: string): void;
}

/** The OS notification for a broker `notification` event; clicking it opens the window where the deep link points. */
export function notificationRequest(data: unknown, targets: NotificationTargets): NotificationRequest | undefined {
  const parsed = notificationSchema.safeParse(data);
  if (!parsed.success) return undefined;
  const { title, body, deepLink } = parsed.data;
  const route = navigateTargetFor(deepLink);
  return {
    title: clip(title, MAX_TITLE),
    body: clip(body, MAX_BODY),
    onClick: () => (route === undefined ? targets.open() : targets.openAt(route)),
  };
}

/** Shows notifications as the broker raises them: at once, no batching, so an approver hears within a second. */
export class NotificationPresenter {
  constructor(
    private readonly port: ElectronPort,
    private readonly targets: NotificationTargets,
    private readonly log: NotificationLog,
  ) {}

  present(data: unknown): void {
    const request = notificationRequest(data, this.targets);
    if (request === undefined) {
      this.log.warn({}, 'ignored a malformed notification event');
      return;
    }
    if (!this.port.notificationsSupported()) return;
    this.port.showNotification(request);
  }
}

function clip(text: string, max: number): string {
  const single = text.replace(/\s+/g, ' ').trim();
  return single.length <= max ? single : `${single.slice(0, max - 1)}…`;
}
