import type { ApprovalRequest } from '../../shared/api/approvals.ts';
import type { BridgeEventData, BridgeEventName } from '../../shared/bridge/bridge-methods.ts';
import type { Logger } from '../log.ts';
import { ServerEventStream } from '../server-client/event-stream.ts';
import type { ActiveSession } from './app-session.ts';
import { ApprovalNotifier } from './approval-notifier.ts';

export type BridgeEmit = <E extends BridgeEventName>(event: E, data: BridgeEventData<E>) => void;

export interface ApprovalInboxOptions {
  emit: BridgeEmit;
  log: Logger;
  now?: () => number;
}

/** Decided requests stay listed this long for reference (the server's inbox holds pending ones only). */
const KEEP_DECIDED_MS = 7 * 24 * 3600_000;
const KEEP_AT_MOST = 500;

interface Subscription {
  session: ActiveSession;
  stream: ServerEventStream;
  notifier: ApprovalNotifier;
}

/**
 * The approval inbox of the signed-in person: requests they may decide, their own, and decided
 * ones they have seen, kept up to date from the server's event stream. Changes go out as
 * approvals.changed, the badge count as approvals.pending, and what deserves an OS notification
 * as notification.
 */
export class ApprovalInbox {
  private readonly seen = new Map<string, ApprovalRequest>();
  private subscription: Subscription | null = null;
  private pendingCount = -1;
  private readonly now: () => number;

  constructor(private readonly o: ApprovalInboxOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Follows the server's events for this session (replacing any earlier subscription). */
  async start(session: ActiveSession): Promise<void> {
    await this.stop();
    const me = await session.principal();
    const stream = new ServerEventStream({
      baseUrl: session.serverUrl,
      tokens: session.tokens,
      onError: (err) => this.o.log.debug({ err: err.message }, 'approval event stream interrupted'),
    });
    const subscription: Subscription = { session, stream, notifier: new ApprovalNotifier(me.subject) };
    this.subscription = subscription;
    stream.on('approval.requested', (e) => void this.changed(subscription, e.request));
    stream.on('approval.updated', (e) => void this.changed(subscription, e.request));
    // Events missed while disconnected are replayed, but a count may have moved: ask again.
    stream.onConnectionChange((up) => {
      if (up) void this.refreshCount(subscription);
    });
    stream.start();
  }

  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = null;
    this.seen.clear();
    this.pendingCount = -1;
    await subscription?.stream.close();
  }

  /** Pending requests I may decide, my own, and recently decided ones I saw, newest first. */
  async list(session: ActiveSession): Promise<{ requests: ApprovalRequest[]; pendingForMe: number }> {
    const [decidable, mine] = await Promise.all([session.api.approvalInbox(), session.api.listMyApprovals()]);
    for (const request of [...decidable, ...mine]) this.remember(request);
    this.prune();
    const pendingForMe = countDecidable(decidable);
    this.publishCount(pendingForMe);
    const requests = [...this.seen.values()].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
    return { requests, pendingForMe };
  }

  /** A request fetched, decided or cancelled through the app: listed and announced at once. */
  record(request: ApprovalRequest): void {
    this.remember(request);
    this.o.emit('approvals.changed', request);
    const subscription = this.subscription;
    if (subscription !== null) void this.refreshCount(subscription);
  }

  remember(request: ApprovalRequest): void {
    this.seen.set(request.id, request);
  }

  private async changed(subscription: Subscription, fromEvent: ApprovalRequest): Promise<void> {
    // The event's copy is the same for every receiver; ours says whether *I* may decide it.
    const request = await subscription.session.api.getApproval(fromEvent.id).catch(() => fromEvent);
    if (this.subscription !== subscription) return;
    this.remember(request);
    this.o.emit('approvals.changed', request);
    const notification = subscription.notifier.notificationFor(request);
    if (notification !== null) this.o.emit('notification', notification);
    await this.refreshCount(subscription);
  }

  private async refreshCount(subscription: Subscription): Promise<void> {
    try {
      const decidable = await subscription.session.api.approvalInbox();
      if (this.subscription !== subscription) return;
      for (const request of decidable) this.remember(request);
      this.publishCount(countDecidable(decidable));
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, 'could not refresh the approval count');
    }
  }

  private publishCount(count: number): void {
    if (count === this.pendingCount) return;
    this.pendingCount = count;
    this.o.emit('approvals.pending', { count });
  }

  private prune(): void {
    const cutoff = this.now() - KEEP_DECIDED_MS;
    for (const [id, request] of this.seen) {
      if (request.state !== 'pending' && Date.parse(request.decidedAt ?? request.expiresAt) < cutoff) this.seen.delete(id);
    }
    const excess = this.seen.size - KEEP_AT_MOST;
    if (excess > 0) {
      const oldest = [...this.seen.values()].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt)).slice(0, excess);
      for (const request of oldest) this.seen.delete(request.id);
    }
  }
}

function countDecidable(requests: readonly ApprovalRequest[]): number {
  return requests.filter((r) => r.state === 'pending' && (r.cannotDecideReason ?? null) === null).length;
}
