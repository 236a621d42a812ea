import type { AppSession } from './app-session.ts';
import type { ApprovalInbox } from './approval-inbox.ts';
import type { BridgeHandlers } from './bridge-dispatcher.ts';
import { translated } from './bridge-errors.ts';

export type ApprovalHandlers = Pick<BridgeHandlers, 'approvals.inbox' | 'approvals.get' | 'approvals.decide' | 'approvals.cancel'>;

/** approvals.*: the inbox, a request's detail, decisions and withdrawals; the server enforces who may. */
export function approvalHandlers(d: { session: AppSession; inbox: ApprovalInbox }): ApprovalHandlers {
  return {
    'approvals.inbox': () => translated(() => d.inbox.list(d.session.active())),
    'approvals.get': ({ id }) =>
      translated(async () => {
        const request = await d.session.active().api.getApproval(id);
        d.inbox.remember(request);
        return request;
      }),
    'approvals.decide': ({ id, decision, comment }) =>
      translated(async () => {
        const request = await d.session.active().api.decideApproval(id, { decision, comment });
        d.inbox.record(request);
        return request;
      }),
    'approvals.cancel': ({ id }) =>
      translated(async () => {
        const request = await d.session.active().api.cancelApproval(id);
        d.inbox.record(request);
        return request;
      }),
  };
}
