import { randomUUID } from 'node:crypto';
import type { ApprovalCreate, ApprovalRequest, ApprovalState } from '../../shared/api/approvals.ts';
import type { Principal } from '../../shared/api/identity.ts';
import { parsePolicyText } from '../../shared/policy/parse-policy.ts';
import { appendAuditRecords } from '../audit/audit-chain.ts';
import { HttpError, badRequest, conflict, forbidden, notFound } from '../http/http-errors.ts';
import type { Database, Queryable } from '../store/database.ts';
import { SERVER_ACTOR, approvalAuditRecord } from './approval-audit.ts';
import type { AuditActor } from './approval-audit.ts';
import { publishRequested, publishUpdated } from './approval-notifications.ts';
import { requestFromRows } from './approval-rows.ts';
import type { ApprovalRow } from './approval-rows.ts';
import { approvalSettingsFor } from './approval-settings.ts';
import { nextState } from './approval-state-machine.ts';
import * as store from './approval-store.ts';
import { canDecide, cannotDecideReason, mayRead, mayRequest } from './decision-rules.ts';

export interface ApprovalServiceOptions {
  db: Database;
  /** How long after its deadline an approved request may still be redeemed (config.approvalGraceMs). */
  graceMs: number;
}

export interface ListOptions {
  state?: ApprovalState | undefined;
  limit?: number | undefined;
}

export interface DecisionInput {
  decision: 'approve' | 'deny';
  comment: string;
}

export interface RedeemInput {
  statement: string;
  fingerprint: string;
  brokerSessionId: string;
}

const DEFAULT_LIST_LIMIT = 100;
const MAX_LIST_LIMIT = 500;

function actorOf(principal: Principal): AuditActor {
  return { name: principal.name, subject: principal.subject, machine: principal.machine };
}

function listLimit(limit: number | undefined): number {
  return Math.min(Math.max(1, limit ?? DEFAULT_LIST_LIMIT), MAX_LIST_LIMIT);
}

/**
 * Every state change of an approval request: each in one transaction that also appends its
 * audit record and publishes its events, so a change, its audit trail and its notification
 * exist together or not at all.
 */
export class ApprovalService {
  private readonly db: Database;
  private readonly graceMs: number;

  constructor(opts: ApprovalServiceOptions) {
    this.db = opts.db;
    this.graceMs = opts.graceMs;
  }

  async create(principal: Principal, input: ApprovalCreate): Promise<ApprovalRequest> {
    if (principal.roles.includes('auditor')) throw forbidden('auditors cannot request approvals');
    return this.db.transaction(async (tx) => {
      const access = await store.readConnectionAccess(tx, input.connection);
      if (access === null) throw notFound(`no connection "${input.connection}"`);
      const allowed = mayRequest(principal, access.allowedGroups);
      if (!allowed.ok) throw forbidden(allowed.reason);
      // An old version could name laxer approvers; only the policy in force may be cited.
      if (input.policyVersion !== access.currentPolicyVersion) {
        throw conflict(`policy version ${input.policyVersion} of "${input.connection}" is not the current one (${access.currentPolicyVersion}); reload the policy`);
      }
      const yaml = await store.readPolicyYaml(tx, input.connection, input.policyVersion);
      if (yaml === null) throw badRequest(`connection "${input.connection}" has no policy version ${input.policyVersion}`);
      const parsed = parsePolicyText(yaml);
      if (!parsed.ok) throw new Error(`stored policy version ${input.policyVersion} of "${input.connection}" does not parse`);
      const lookup = approvalSettingsFor(parsed.policy, input.scope, input.rule);
      if (!lookup.ok) throw badRequest(`${lookup.reason} (policy version ${input.policyVersion} of "${input.connection}")`);
      const settings = lookup.settings;
      const justification = input.justification?.trim() ?? '';
      if (settings.requireJustification && justification === '') throw badRequest(`rule "${input.rule}" requires a justification`);

      const row = await store.insertRequest(tx, {
        id: randomUUID(),
        connection: input.connection,
        requester: principal.subject,
        requesterName: principal.name,
        requesterMachine: principal.machine,
        scope: input.scope,
        rule: input.rule,
        policyVersion: input.policyVersion,
        justification: justification === '' ? null : justification,
        approverGroups: settings.approverGroups,
        escalationGroups: settings.escalationGroups,
        minApprovals: settings.minApprovals,
        brokerSessionId: input.brokerSessionId,
        expiresAfterMs: settings.expiresAfterMs,
        escalateAfterMs: settings.escalateAfterMs,
      });
      const request = requestFromRows(row, []);
      await appendAuditRecords(tx, [approvalAuditRecord('approval.requested', actorOf(principal), request, { details: { justification: request.justification } })]);
      await publishRequested(tx, request, request.approverGroups);
      await publishUpdated(tx, request, 'requester');
      return this.forCaller(request, principal);
    });
  }

  /** One request, if the caller may read it (404 otherwise: its existence is not the caller's business). */
  async get(principal: Principal, id: string): Promise<ApprovalRequest> {
    const request = await this.load(this.db, id);
    if (request === null || !mayRead(request, principal)) throw notFound(`no approval request ${id}`);
    return this.forCaller(request, principal);
  }

  async listMine(principal: Principal, opts: ListOptions = {}): Promise<ApprovalRequest[]> {
    const rows = await store.listByRequester(this.db, principal.subject, { state: opts.state, limit: listLimit(opts.limit) });
    return this.withDecisions(rows, principal);
  }

  /** Every request; auditors and admins only. */
  async listAll(principal: Principal, opts: ListOptions = {}): Promise<ApprovalRequest[]> {
    if (!principal.roles.includes('auditor') && !principal.roles.includes('admin')) {
      throw forbidden('only auditors and admins may list every request; ask for your own with ?mine=true');
    }
    const rows = await store.listAll(this.db, { state: opts.state, limit: listLimit(opts.limit) });
    return this.withDecisions(rows, principal);
  }

  /** Pending requests the caller may decide now. */
  async inbox(principal: Principal, opts: { limit?: number | undefined } = {}): Promise<ApprovalRequest[]> {
    if (principal.machine) return [];
    const rows = await store.listInboxCandidates(this.db, principal.subject, principal.approverGroups, listLimit(opts.limit));
    const requests = await this.withDecisions(rows, principal);
    return requests.filter((request) => request.cannotDecideReason === null);
  }

  async decide(principal: Principal, id: string, input: DecisionInput): Promise<ApprovalRequest> {
    return this.db.transaction(async (tx) => {
      const current = await this.load(tx, id, { forUpdate: true });
      if (current === null) throw notFound(`no approval request ${id}`);
      const verdict = canDecide(current, principal);
      if (!verdict.ok) throw new HttpError(verdict.status, verdict.reason);
      if (await store.isPastDeadline(tx, id)) throw conflict('the request expired before it was decided');
      if (!(await store.insertDecision(tx, { requestId: id, approver: principal.subject, approverName: principal.name, ...input }))) {
        throw conflict('you already decided this request');
      }
      const decisions = [...current.decisions.map((d) => ({ approver: d.approver, decision: d.decision })), { approver: principal.subject, decision: input.decision }];
      const next = nextState(current.state, { kind: 'decide', decisions, minApprovals: current.minApprovals });
      if (!next.ok) throw conflict(next.reason);
      if (next.state !== current.state && (await store.moveState(tx, id, current.state, next.state)) === null) {
        throw conflict('the request changed while it was being decided; try again');
      }
      const request = await this.load(tx, id);
      if (request === null) throw new Error(`approval request ${id} vanished inside its own transaction`);
      await appendAuditRecords(tx, [
        approvalAuditRecord('approval.decided', actorOf(principal), request, {
          decision: input.decision,
          details: { comment: input.comment, approvals: request.decisions.filter((d) => d.decision === 'approve').length },
        }),
      ]);
      await publishUpdated(tx, request, 'requester-and-deciders');
      return this.forCaller(request, principal);
    });
  }

  /** The requester withdraws a request that is pending, or approved but not yet used. */
  async cancel(principal: Principal, id: string): Promise<ApprovalRequest> {
    return this.db.transaction(async (tx) => {
      const current = await this.load(tx, id, { forUpdate: true });
      if (current === null || !mayRead(current, principal)) throw notFound(`no approval request ${id}`);
      if (current.requester !== principal.subject) throw forbidden('only the requester can cancel a request');
      const next = nextState(current.state, { kind: 'cancel' });
      if (!next.ok) throw conflict(next.reason);
      const row = await store.moveState(tx, id, current.state, next.state);
      if (row === null) throw conflict('the request changed while it was being cancelled; try again');
      const request = requestFromRows(row, []);
      request.decisions = current.decisions;
      await appendAuditRecords(tx, [approvalAuditRecord('approval.cancelled', actorOf(principal), request, { details: { previousState: current.state } })]);
      await publishUpdated(tx, request, 'requester-and-deciders');
      return this.forCaller(request, principal);
    });
  }

  /**
   * Uses an approval, once: only the requester, from the broker session that asked, for exactly
   * the statement text and fingerprint that were approved (a session-scope approval binds no
   * statement: both must be empty). Refusals are audited too: they are what tampering looks like.
   */
  async redeem(principal: Principal, id: string, input: RedeemInput): Promise<ApprovalRequest> {
    const outcome = await this.db.transaction(async (tx): Promise<{ request: ApprovalRequest } | { refusal: HttpError }> => {
      const loaded = await this.loadWithRow(tx, id, { forUpdate: true });
      if (loaded === null) return { refusal: notFound(`no approval request ${id}`) };
      const current = loaded.request;
      const refusal = await this.redeemRefusal(tx, loaded.row, current, principal, input);
      if (refusal !== null) {
        await appendAuditRecords(tx, [
          approvalAuditRecord('approval.redeem_refused', actorOf(principal), current, {
            decision: 'refused',
            details: { reason: refusal.message, brokerSessionId: input.brokerSessionId, fingerprint: input.fingerprint, attemptedStatement: input.statement },
          }),
        ]);
        return { refusal };
      }
      const row = await store.moveState(tx, id, 'approved', 'executed');
      // The row is locked, so only a concurrent redeem that already won can get here.
      if (row === null) throw conflict('the approval was already used: it is single-use');
      const request = requestFromRows(row, []);
      request.decisions = current.decisions;
      await appendAuditRecords(tx, [approvalAuditRecord('approval.redeemed', actorOf(principal), request, { decision: 'executed', details: { brokerSessionId: input.brokerSessionId } })]);
      await publishUpdated(tx, request, 'requester-and-deciders');
      return { request: this.forCaller(request, principal) };
    });
    if ('refusal' in outcome) throw outcome.refusal;
    return outcome.request;
  }

  private async redeemRefusal(tx: Queryable, row: ApprovalRow, current: ApprovalRequest, principal: Principal, input: RedeemInput): Promise<HttpError | null> {
    if (current.requester !== principal.subject) return forbidden('only the requester can use this approval');
    const next = nextState(current.state, { kind: 'redeem' });
    if (!next.ok) return conflict(next.reason);
    if (row.broker_session_id !== input.brokerSessionId) return forbidden('the approval belongs to another broker session');
    // A command approval runs that command line only; it is redeemed with it as the statement.
    const statement = current.scope.kind === 'statement' ? current.scope.statement : current.scope.kind === 'command' ? current.scope.command : '';
    const fingerprint = row.statement_fingerprint ?? '';
    if (input.statement !== statement || input.fingerprint !== fingerprint) {
      return forbidden('the approval covers a different statement: it can only run exactly the statement that was approved');
    }
    if (!(await store.isRedeemable(tx, current.id, this.graceMs))) return conflict('the approval lapsed before it was used');
    return null;
  }

  /** Expires overdue requests (a pending one counts as denied); returns how many. */
  async expireDue(limit = 100): Promise<number> {
    return this.db.transaction(async (tx) => {
      const rows = await store.expireDue(tx, this.graceMs, limit);
      if (rows.length === 0) return 0;
      const requests = await this.withDecisionsIn(tx, rows);
      await appendAuditRecords(
        tx,
        requests.map((request, i) =>
          approvalAuditRecord('approval.expired', SERVER_ACTOR, request, {
            decision: 'deny',
            details: { previousState: rows[i]!.previous, reason: rows[i]!.previous === 'pending' ? 'nobody decided in time' : 'approved but not used in time' },
          }),
        ),
      );
      for (const request of requests) await publishUpdated(tx, request, 'requester-and-deciders');
      return requests.length;
    });
  }

  /** Opens overdue pending requests to their escalation groups; returns how many. */
  async escalateDue(limit = 100): Promise<number> {
    return this.db.transaction(async (tx) => {
      const rows = await store.escalateDue(tx, limit);
      if (rows.length === 0) return 0;
      const requests = await this.withDecisionsIn(tx, rows);
      await appendAuditRecords(tx, requests.map((request) => approvalAuditRecord('approval.escalated', SERVER_ACTOR, request)));
      for (const request of requests) {
        await publishRequested(tx, request, request.escalationGroups);
        await publishUpdated(tx, request, 'requester-and-deciders');
      }
      return requests.length;
    });
  }

  private async load(db: Queryable, id: string, opts: { forUpdate?: boolean } = {}): Promise<ApprovalRequest | null> {
    return (await this.loadWithRow(db, id, opts))?.request ?? null;
  }

  private async loadWithRow(db: Queryable, id: string, opts: { forUpdate?: boolean } = {}): Promise<{ row: ApprovalRow; request: ApprovalRequest } | null> {
    if (!store.isRequestId(id)) return null;
    const row = await store.readRequest(db, id, opts);
    if (row === null) return null;
    const decisions = await store.readDecisions(db, [row.id]);
    return { row, request: requestFromRows(row, decisions.get(row.id) ?? []) };
  }

  private async withDecisionsIn(db: Queryable, rows: readonly ApprovalRow[]): Promise<ApprovalRequest[]> {
    const decisions = await store.readDecisions(db, rows.map((row) => row.id));
    return rows.map((row) => requestFromRows(row, decisions.get(row.id) ?? []));
  }

  private async withDecisions(rows: readonly ApprovalRow[], principal: Principal): Promise<ApprovalRequest[]> {
    return (await this.withDecisionsIn(this.db, rows)).map((request) => this.forCaller(request, principal));
  }

  private forCaller(request: ApprovalRequest, principal: Principal): ApprovalRequest {
    return { ...request, cannotDecideReason: cannotDecideReason(request, principal) };
  }
}
