import type { ApprovalRequest, ApprovalState } from '../../shared/api/approvals.ts';
import type { Queryable } from '../store/database.ts';
import { DECISION_COLUMNS, REQUEST_COLUMNS } from './approval-rows.ts';
import type { ApprovalRow, DecisionRow } from './approval-rows.ts';

/*
 * The SQL of the approvals module. Deadlines are computed with the database's clock (now()),
 * never a replica's, so replicas with drifting clocks agree on what has expired.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MS = '::double precision * interval \'1 millisecond\'';

/** A path parameter that is not a UUID names no request (and must not reach a ::uuid cast). */
export function isRequestId(text: string): boolean {
  return UUID.test(text);
}

export interface ConnectionAccess {
  allowedGroups: string[];
  currentPolicyVersion: number;
}

export async function readConnectionAccess(db: Queryable, connection: string): Promise<ConnectionAccess | null> {
  const [row] = await db.query<{ allowed_groups: string[]; policy_version: number }>(
    'select allowed_groups, policy_version from connections where name = $1 and deleted_at is null',
    [connection],
  );
  return row === undefined ? null : { allowedGroups: row.allowed_groups, currentPolicyVersion: Number(row.policy_version) };
}

export async function readPolicyYaml(db: Queryable, connection: string, version: number): Promise<string | null> {
  const [row] = await db.query<{ yaml: string }>('select yaml from policy_versions where connection = $1 and version = $2', [connection, version]);
  return row?.yaml ?? null;
}

export interface NewRequest {
  id: string;
  connection: string;
  requester: string;
  requesterName: string;
  requesterMachine: boolean;
  scope: ApprovalRequest['scope'];
  rule: string;
  policyVersion: number;
  justification: string | null;
  approverGroups: string[];
  escalationGroups: string[];
  minApprovals: number;
  brokerSessionId: string;
  expiresAfterMs: number;
  escalateAfterMs: number | null;
}

export async function insertRequest(tx: Queryable, r: NewRequest): Promise<ApprovalRow> {
  const fingerprint = r.scope.kind === 'statement' ? r.scope.fingerprint : null;
  const [row] = await tx.query<ApprovalRow>(
    `insert into approval_requests (id, state, connection, requester, requester_name, requester_machine, scope, statement_fingerprint, rule,
       policy_version, justification, approver_groups, escalation_groups, min_approvals, broker_session_id, expires_at, escalate_at)
     values ($1::uuid, 'pending', $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11::text[], $12::text[], $13, $14,
       now() + $15${MS}, case when $16::double precision is null then null else now() + $16${MS} end)
     returning ${REQUEST_COLUMNS}`,
    [
      r.id,
      r.connection,
      r.requester,
      r.requesterName,
      r.requesterMachine,
      JSON.stringify(r.scope),
      fingerprint,
      r.rule,
      r.policyVersion,
      r.justification,
      r.approverGroups,
      r.escalationGroups,
      r.minApprovals,
      r.brokerSessionId,
      r.expiresAfterMs,
      r.escalateAfterMs,
    ],
  );
  return row!;
}

export async function readRequest(db: Queryable, id: string, opts: { forUpdate?: boolean } = {}): Promise<ApprovalRow | null> {
  const [row] = await db.query<ApprovalRow>(
    `select ${REQUEST_COLUMNS} from approval_requests where id = $1::uuid${opts.forUpdate === true ? ' for update' : ''}`,
    [id],
  );
  return row ?? null;
}

export async function readDecisions(db: Queryable, ids: readonly string[]): Promise<Map<string, DecisionRow[]>> {
  const byRequest = new Map<string, DecisionRow[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return byRequest;
  const rows = await db.query<DecisionRow>(
    `select ${DECISION_COLUMNS} from approval_decisions where request_id = any($1::uuid[]) order by at, approver`,
    [[...ids]],
  );
  for (const row of rows) byRequest.get(row.request_id)?.push(row);
  return byRequest;
}

export interface ListFilter {
  state: ApprovalState | undefined;
  limit: number;
}

/** Newest first. */
export async function listByRequester(db: Queryable, requester: string, filter: ListFilter): Promise<ApprovalRow[]> {
  return db.query<ApprovalRow>(
    `select ${REQUEST_COLUMNS} from approval_requests
     where requester = $1 and ($2::text is null or state = $2)
     order by created_at desc, id desc limit $3`,
    [requester, filter.state ?? null, filter.limit],
  );
}

/** Newest first; for auditors and admins. */
export async function listAll(db: Queryable, filter: ListFilter): Promise<ApprovalRow[]> {
  return db.query<ApprovalRow>(
    `select ${REQUEST_COLUMNS} from approval_requests
     where ($1::text is null or state = $1)
     order by created_at desc, id desc limit $2`,
    [filter.state ?? null, filter.limit],
  );
}

/**
 * Pending, unexpired requests someone else made, that one of `approverGroups` may decide now and
 * that `subject` has not yet decided; newest first. canDecide() has the final word on each.
 */
export async function listInboxCandidates(db: Queryable, subject: string, approverGroups: readonly string[], limit: number): Promise<ApprovalRow[]> {
  if (approverGroups.length === 0) return [];
  return db.query<ApprovalRow>(
    `select ${REQUEST_COLUMNS} from approval_requests r
     where state = 'pending' and expires_at > now() and requester <> $1
       and (approver_groups && $2::text[] or (escalated and escalation_groups && $2::text[]))
       and not exists (select 1 from approval_decisions d where d.request_id = r.id and d.approver = $1)
     order by created_at desc, id desc limit $3`,
    [subject, [...approverGroups], limit],
  );
}

/** True when inserted; false when this approver had already decided (one person counts once). */
export async function insertDecision(
  tx: Queryable,
  d: { requestId: string; approver: string; approverName: string; decision: 'approve' | 'deny'; comment: string },
): Promise<boolean> {
  const rows = await tx.query(
    `insert into approval_decisions (request_id, approver, approver_name, decision, comment)
     values ($1::uuid, $2, $3, $4, $5) on conflict (request_id, approver) do nothing returning approver`,
    [d.requestId, d.approver, d.approverName, d.decision, d.comment],
  );
  return rows.length === 1;
}

/** Whether the request's decision deadline has passed, by the database's clock. */
export async function isPastDeadline(tx: Queryable, id: string): Promise<boolean> {
  const [row] = await tx.query<{ past: boolean }>('select expires_at <= now() as past from approval_requests where id = $1::uuid', [id]);
  return row?.past === true;
}

/** Whether an approved request may still be redeemed: until its deadline plus the grace period. */
export async function isRedeemable(tx: Queryable, id: string, graceMs: number): Promise<boolean> {
  const [row] = await tx.query<{ open: boolean }>(`select now() < expires_at + $2${MS} as open from approval_requests where id = $1::uuid`, [id, graceMs]);
  return row?.open === true;
}

/** Moves `id` from `from` to `to`; null when the request was no longer in `from` (someone else won). */
export async function moveState(tx: Queryable, id: string, from: ApprovalState, to: ApprovalState): Promise<ApprovalRow | null> {
  const decided = to === 'approved' || to === 'denied' || to === 'cancelled' || to === 'expired';
  const [row] = await tx.query<ApprovalRow>(
    `update approval_requests set state = $3,
       decided_at = case when $4::boolean then coalesce(decided_at, now()) else decided_at end,
       redeemed_at = case when $3 = 'executed' then now() else redeemed_at end
     where id = $1::uuid and state = $2
     returning ${REQUEST_COLUMNS}`,
    [id, from, to, decided],
  );
  return row ?? null;
}

export interface ExpiredRow extends ApprovalRow {
  previous: 'pending' | 'approved';
}

/**
 * Expires, at most `limit` at a time, pending requests past their deadline and approved ones
 * nobody redeemed before deadline + grace. Rows another transaction holds are left for the next round.
 */
export async function expireDue(tx: Queryable, graceMs: number, limit: number): Promise<ExpiredRow[]> {
  return tx.query<ExpiredRow>(
    `with due as (
       select id as due_id, state as previous from approval_requests
       where (state = 'pending' and expires_at <= now())
          or (state = 'approved' and expires_at + $1${MS} <= now())
       order by expires_at limit $2
       for update skip locked
     )
     update approval_requests set state = 'expired', decided_at = coalesce(decided_at, now())
     from due where id = due_id
     returning ${REQUEST_COLUMNS}, previous`,
    [graceMs, limit],
  );
}

/** Marks as escalated, at most `limit` at a time, pending requests past their escalation time. */
export async function escalateDue(tx: Queryable, limit: number): Promise<ApprovalRow[]> {
  return tx.query<ApprovalRow>(
    `with due as (
       select id as due_id from approval_requests
       where state = 'pending' and not escalated and escalate_at <= now() and expires_at > now()
       order by escalate_at limit $1
       for update skip locked
     )
     update approval_requests set escalated = true
     from due where id = due_id
     returning ${REQUEST_COLUMNS}`,
    [limit],
  );
}
