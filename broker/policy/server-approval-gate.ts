import type { ApprovalCreate, ApprovalRequest } from '../../shared/api/approvals.ts';
import type { ServerApi } from '../server-client/api-client.ts';
import type { ServerEventStream } from '../server-client/event-stream.ts';
import type { ApprovalGate } from './approval-gate.ts';

/**
 * Approvals through the policy server. A decision normally arrives as a server-sent event
 * within a second; the request is also re-read periodically, so a missed event (a reconnect
 * gap the server could not replay) delays a decision but never loses it.
 *
 * With `brokerSessionId` (the id `gatehouse connect` leases under), requests are bound to the
 * broker rather than to the one client connection that asked: with `approval_wait: false` the
 * approved statement is re-run from a new connection (a new psql), which must be able to redeem it.
 */
export class ServerApprovalGate implements ApprovalGate {
  private readonly pollMs: number;
  private readonly brokerSessionId: string | undefined;

  constructor(
    private readonly api: ServerApi,
    private readonly events: ServerEventStream,
    opts: { pollMs?: number; brokerSessionId?: string } = {},
  ) {
    this.pollMs = opts.pollMs ?? 5000;
    this.brokerSessionId = opts.brokerSessionId;
  }

  create(request: ApprovalCreate): Promise<ApprovalRequest> {
    return this.api.createApproval(this.brokerSessionId === undefined ? request : { ...request, brokerSessionId: this.brokerSessionId });
  }

  waitForDecision(id: string, signal: AbortSignal): Promise<ApprovalRequest> {
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (err: Error | null, r?: ApprovalRequest): void => {
        if (done) return;
        done = true;
        unsubscribe();
        clearInterval(timer);
        signal.removeEventListener('abort', onAbort);
        if (err !== null) reject(err);
        else resolve(r!);
      };
      const settle = (r: ApprovalRequest): void => {
        if (r.id === id && r.state !== 'pending') finish(null, r);
      };
      const unsubscribe = this.events.on('approval.updated', (e) => settle(e.request));
      const onAbort = (): void => finish(new Error('approval wait cancelled'));
      signal.addEventListener('abort', onAbort);
      const poll = (): void => {
        this.api.getApproval(id).then(settle, () => undefined);
      };
      const timer = setInterval(poll, this.pollMs);
      timer.unref();
      // The decision may have landed between creating the request and subscribing.
      poll();
    });
  }

  async cancel(id: string): Promise<void> {
    await this.api.cancelApproval(id);
  }

  async redeem(id: string, statement: string, fingerprint: string, brokerSessionId: string): Promise<ApprovalRequest> {
    const r = await this.api.redeemApproval(id, { statement, fingerprint, brokerSessionId: this.brokerSessionId ?? brokerSessionId });
    return r.request;
  }

  async findApproved(connection: string, statement: string, fingerprint: string): Promise<ApprovalRequest | null> {
    const mine = await this.api.listMyApprovals();
    return (
      mine.find(
        (r) => r.state === 'approved' && r.connection === connection && r.scope.kind === 'statement' && r.scope.statement === statement && r.scope.fingerprint === fingerprint,
      ) ?? null
    );
  }
}
