import { findDeepLinkArgument, navigateTargetFor } from './deep-link.ts';

export interface DeepLinkWindow {
  open(): void;
  openAt(target: string): void;
}

export interface DeepLinkLog {
  warn(obj: object, msg: string): void;
}

/**
 * Deep links arrive from the first command line, from macOS open-url events (possibly before
 * the app is ready) and from second instances. Until the window exists the latest accepted
 * one waits here; rejected ones are logged and dropped.
 */
export class DeepLinkRouter {
  private window: DeepLinkWindow | undefined;
  private pending: string | undefined;

  constructor(private readonly log: DeepLinkLog) {}

  /** True if the link was accepted (and delivered, or kept for the window). */
  receive(raw: unknown): boolean {
    const target = navigateTargetFor(raw);
    if (target === undefined) {
      this.log.warn({ length: typeof raw === 'string' ? raw.length : 0 }, 'ignored a deep link that is not gatehouse://approvals/<id> or gatehouse://connect/<name>');
      return false;
    }
    if (this.window === undefined) this.pending = target;
    else this.window.openAt(target);
    return true;
  }

  /** Someone started the app again: show the window, at their deep link if they gave one. */
  secondInstance(argv: readonly string[], data: unknown): void {
    const raw = deepLinkFromSecondInstance(argv, data);
    if (raw !== undefined && this.receive(raw)) return;
    this.window?.open();
  }

  /** The window exists: it opens at the waiting link, or simply opens. */
  attach(window: DeepLinkWindow): void {
    this.window = window;
    const target = this.pending;
    this.pending = undefined;
    if (target === undefined) window.open();
    else window.openAt(target);
  }
}

/** The second instance passes its link through the lock's additional data; its argv is the fallback. */
export function deepLinkFromSecondInstance(argv: readonly string[], data: unknown): string | undefined {
  if (typeof data === 'object' && data !== null && 'deepLink' in data && typeof data.deepLink === 'string') return data.deepLink;
  return findDeepLinkArgument(argv);
}
