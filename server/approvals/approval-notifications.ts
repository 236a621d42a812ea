import type { ApprovalRequest } from '../../shared/api/approvals.ts';
import { publishEvent } from '../events/publish-event.ts';
import type { Queryable } from '../store/database.ts';
import { decidingGroups } from './decision-rules.ts';

/*
 * Events of the approvals module. Call these AFTER appendAuditRecords in the same transaction:
 * the audit chain's transaction lock is then held while the event id is drawn, so event ids of
 * approval changes follow commit order, which is what Last-Event-ID resumption relies on.
 */

/** To the approvers' trays: `groups` may decide it now (the rule's approvers, or the escalation groups). */
export async function publishRequested(tx: Queryable, request: ApprovalRequest, groups: readonly string[]): Promise<void> {
  await publishEvent(tx, { type: 'approval.requested', request }, { groups: [...groups] });
}

/**
 * A change of the request: always to the requester (their waiting broker); to everyone who may
 * decide it too, unless they were just told through approval.requested.
 */
export async function publishUpdated(tx: Queryable, request: ApprovalRequest, audience: 'requester' | 'requester-and-deciders'): Promise<void> {
  const groups = audience === 'requester' ? [] : decidingGroups(request);
  await publishEvent(tx, { type: 'approval.updated', request }, { subjects: [request.requester], groups });
}
