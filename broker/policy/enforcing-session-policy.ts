import { performance } from 'node:perf_hooks';
import { classifySql, type ClassifyContext } from '../../shared/sql/classify.ts';
import type { SqlClassification, StatementClassification } from '../../shared/sql/classification.ts';
import { evaluateStatement, type PolicyDecision } from '../../shared/policy/evaluate.ts';
import { newAuditEventId, type AuditEvent } from '../../shared/audit/audit-event.ts';
import { SpoolUnavailableError } from '../audit/spool-unavailable-error.ts';
import type { AuditSpool } from '../audit/audit-spool.ts';
import type { Frame, FrameRun } from '../pg/protocol/frame-reader.ts';
import { backend, type NoticeFields } from '../pg/protocol/backend-messages.ts';
import { BackendCode } from '../pg/protocol/message-codes.ts';
import { MessageBuilder } from '../pg/protocol/message-builder.ts';
import { decodeNoticeFields } from '../pg/protocol/backend-decoders.ts';
import type { Expectation, FrameContext } from '../pg/relay/response-tracker.ts';
import type { SessionPolicy, SessionView, StatementEvent, StatementVerdict } from '../pg/relay/session-policy.ts';
import { ColumnCatalog } from '../masking/column-catalog.ts';
import { ResultMasker, newTally, type MaskingTally } from '../masking/result-masker.ts';
import { CopyMasker } from '../masking/copy-masker.ts';
import { copyExportShape } from '../masking/copy-statement.ts';
import { computedColumnRule, isTextBearing, relationOidQuery, type ComputedColumnRule } from '../masking/computed-column-rule.ts';
import { sqlLiteral } from '../pg/upstream/catalog-client.ts';
import { loadVolatility, volatilityKey, type PolicyRuntime } from './policy-runtime.ts';
import { describeOutcome, describeWait, type ApprovalGate, type HeldStatement } from './approval-gate.ts';
import type { ApprovalRequest } from '../../shared/api/approvals.ts';
import { ANNOTATE_MASKING_SETTING, maskedColumnsOf, maskingNotice, settingIsOn } from './masking-annotation.ts';
import { approvalNoticeDetail } from './approval-notice-detail.ts';
import type { RowPlan } from '../masking/row-plan.ts';

/** A statement judged at Parse (or at once for simple Query), ready to be enforced. */
interface Decided {
  sql: string;
  classification: SqlClassification | null;
  parseError: string | null;
  decision: PolicyDecision | null;
  /** For COPY ... TO STDOUT under masking: how to mask its data, or why it cannot be. */
  copy: { masker: (tally: MaskingTally) => CopyMasker } | { refused: string } | null;
  /** Set when the statement reads masked columns: expressions in its result are masked too. */
  computed: ComputedColumnRule | null;
}

/** Travels with a forwarded statement to the result hooks. */
interface StatementTag {
  statementId: string | null;
  startedAt: number;
  text: string;
  rows: number;
  statementRows: number;
  withheldRows: number;
  tally: MaskingTally;
  copy: CopyMasker | null;
  error: { sqlstate: string; message: string } | null;
  decision: PolicyDecision | null;
  computed: ComputedColumnRule | null;
}

const MAX_AUDIT_TEXT = 100_000;

function auditText(sql: string): string {
  return sql.length <= MAX_AUDIT_TEXT ? sql : `${sql.slice(0, MAX_AUDIT_TEXT)}…[${sql.length - MAX_AUDIT_TEXT} more characters]`;
}

function standardConformingStrings(session: SessionView): boolean {
  return session.parameters.get('standard_conforming_strings') !== 'off';
}

function parseSearchPath(value: string, user: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => (s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s.toLowerCase()))
    .map((s) => (s === '$user' ? user : s));
}

/**
 * Enforces one policy document on one session: every statement is classified with the real
 * grammar and judged before it is forwarded; results are masked and limited on the way back;
 * every statement is written to the audit spool before it reaches the upstream.
 */
export class EnforcingSessionPolicy implements SessionPolicy {
  readonly needsRowShapes: boolean;
  private readonly masker: ResultMasker;
  private readonly columns: ColumnCatalog;
  /** Relation name (as written, with the search_path it was resolved under) → OIDs. */
  private readonly relationOids = new Map<string, number[]>();
  private readonly computedRules = new Map<string, ComputedColumnRule | null>();
  private readonly prepared = new Map<string, StatementClassification>();
  private readonly parsed = new Map<string, Decided>();
  /** Statements refused (and recorded) at Parse whose Execute has not come yet. */
  private readonly refusedAtParse = new WeakSet<Decided>();
  private searchPath: string[];
  /** The statement currently held for approval, if any. */
  private held: HeldStatement | null = null;
  /** Set with `SET gatehouse.justification = '...'`; sent with approval requests. */
  private justification: string | null = null;
  /** Set with `SET gatehouse.annotate_masking = on`: results announce their masked columns in a NOTICE. */
  private annotateMasking = false;

  constructor(private readonly runtime: PolicyRuntime) {
    this.columns = new ColumnCatalog(runtime.catalog);
    this.masker = new ResultMasker(runtime.policy, this.columns, runtime.maskingKey);
    this.needsRowShapes = this.masker.enabled;
    this.searchPath = [];
  }

  judge(event: StatementEvent, session: SessionView): StatementVerdict | Promise<StatementVerdict> {
    if (this.searchPath.length === 0) this.searchPath = [session.user, 'public'];
    switch (event.kind) {
      case 'query':
        return this.then(this.decide(event.sql, session), (d) => this.enforce(d, 'simple', session));
      case 'parse':
        return this.then(this.decide(event.sql, session), (d) => {
          this.parsed.set(event.statement, d);
          if (event.statement !== '' && d.classification?.statements.length === 1) this.prepared.set(event.statement, d.classification.statements[0]!);
          // Judge at Parse: a statement that can never run is refused now, with its reason.
          if (d.parseError !== null || d.decision?.action === 'block') {
            this.refusedAtParse.add(d);
            return this.enforce(d, 'extended', session);
          }
          return { kind: 'forward' };
        });
      case 'execute': {
        const d = this.parsed.get(event.statement);
        if (d === undefined) {
          return this.refuse(session, null, { severity: 'ERROR', code: '26000', message: `gatehouse: prepared statement "${event.statement}" was not seen by the proxy` }, 'extended', event.sql ?? '');
        }
        // The Execute right behind a refused Parse is the same attempt, already on record (the
        // server skips it anyway); any later one is a new attempt and is recorded again.
        const alreadyRecorded = this.refusedAtParse.delete(d);
        return this.enforce(d, 'extended', session, !alreadyRecorded);
      }
      case 'function-call':
        return this.refuse(session, null, { severity: 'ERROR', code: '42501', message: 'gatehouse: the fast-path function call interface is not allowed through Gatehouse' }, 'extended', `<function call ${event.functionOid}>`);
      default:
        return event satisfies never;
    }
  }

  private then<A, B>(v: A | Promise<A>, f: (a: A) => B | Promise<B>): B | Promise<B> {
    return v instanceof Promise ? v.then(f) : f(v);
  }

  private classifyContext(session: SessionView): ClassifyContext {
    return {
      standardConformingStrings: standardConformingStrings(session),
      preparedStatements: this.prepared,
      functionVolatility: (schema, name) => {
        const v = this.runtime.volatility.get(volatilityKey(schema === null ? name : `${schema}.${name}`));
        return v === null ? undefined : v;
      },
    };
  }

  private decide(sql: string, session: SessionView): Decided | Promise<Decided> {
    const cache = this.runtime.classifications;
    const cached = cache.get(sql, standardConformingStrings(session));
    if (cached !== undefined) return this.finishDecision(sql, cached);
    const context = this.classifyContext(session);
    const first = classifySql(sql, context);
    if (!first.ok) return { sql, classification: null, parseError: first.error, decision: null, copy: null, computed: null };
    const unknown = first.classification.functions.filter((f) => !this.runtime.volatility.has(volatilityKey(f)));
    if (unknown.length === 0) {
      cache.remember(sql, context.standardConformingStrings, first);
      return this.finishDecision(sql, first.classification);
    }
    return loadVolatility(this.runtime, unknown).then(
      () => {
        // The session may have moved on while the catalog answered: judge, and key, as it is now.
        const now = this.classifyContext(session);
        const again = classifySql(sql, now);
        if (!again.ok) return { sql, classification: null, parseError: again.error, decision: null, copy: null, computed: null };
        cache.remember(sql, now.standardConformingStrings, again);
        return this.finishDecision(sql, again.classification);
      },
      (e: unknown) => {
        // Judged without the catalog: not kept, so the next time asks again.
        this.runtime.log.warn({ err: (e as Error).message }, 'function catalog lookup failed; judging without it');
        return this.finishDecision(sql, first.classification);
      },
    );
  }

  private finishDecision(sql: string, classification: SqlClassification): Decided | Promise<Decided> {
    const decision = evaluateStatement(this.runtime.policy, classification, { searchPath: this.searchPath });
    const decided: Decided = { sql, classification, parseError: null, decision, copy: null, computed: null };
    if (!this.masker.enabled || decision.action !== 'allow' || classification.relationsRead.length === 0) return this.withCopyPlan(decided);
    const resolved = this.resolveRelations(classification);
    if (resolved instanceof Promise) {
      return resolved.then(
        (oids) => {
          decided.computed = this.cachedComputedRule(oids);
          return this.withCopyPlan(decided);
        },
        (e: unknown) => {
          // Without the catalog nothing near these relations can be proven safe: mask expressions whole.
          this.runtime.log.warn({ err: (e as Error).message }, 'relation lookup failed; masking expressions strictly');
          decided.computed = { columns: [], strictest: 'redact' };
          return this.withCopyPlan(decided);
        },
      );
    }
    decided.computed = this.cachedComputedRule(resolved);
    return this.withCopyPlan(decided);
  }

  /** The rule depends only on which relations are read; the same few sets recur in every workload. */
  private cachedComputedRule(oids: number[]): ComputedColumnRule | null {
    const key = oids.join(',');
    const hit = this.computedRules.get(key);
    if (hit !== undefined) return hit;
    const rule = computedColumnRule(this.runtime.policy, this.columns, oids);
    if (this.computedRules.size > 1000) this.computedRules.clear();
    this.computedRules.set(key, rule);
    return rule;
  }

  /** The OIDs of the relations a statement reads, with their columns (and views' base columns) loaded. */
  private resolveRelations(c: SqlClassification): number[] | Promise<number[]> {
    const key = (r: { schema: string | null; name: string }): string => `${r.schema ?? ''}.${r.name}|${r.schema === null ? this.searchPath.join(',') : ''}`;
    const unknown = c.relationsRead.filter((r) => !this.relationOids.has(key(r)));
    const collect = (): number[] => c.relationsRead.flatMap((r) => this.relationOids.get(key(r)) ?? []);
    if (unknown.length === 0 && this.columns.missing(collect()).length === 0) return collect();
    return (async () => {
      for (const r of unknown) {
        const q = relationOidQuery([r], this.searchPath, sqlLiteral);
        const rows = q === null ? [] : await this.runtime.catalog.query(q);
        this.relationOids.set(key(r), rows.map(([oid]) => Number(oid)));
      }
      const oids = collect();
      await this.columns.load(this.columns.missing(oids));
      return oids;
    })();
  }

  private withCopyPlan(decided: Decided): Decided | Promise<Decided> {
    const classification = decided.classification!;
    const computed = decided.computed;
    const decision = decided.decision!;
    if (!classification.export || !this.masker.enabled || decision.action !== 'allow') return decided;
    if (classification.statements.length !== 1) {
      decided.copy = { refused: 'COPY ... TO STDOUT must be sent as a statement of its own when masking applies' };
      return decided;
    }
    const shape = copyExportShape(classification.statements[0]!.text);
    if (shape === null) return decided;
    if (shape.format === 'binary') {
      decided.copy = { refused: 'binary COPY output cannot be masked; use text or CSV format' };
      return decided;
    }
    const format = shape.format;
    return this.runtime.catalog.describe(shape.describeSql).then(
      async (fields) => {
        if (fields === null) return decided;
        const plan = await this.masker.planFor(fields);
        const maskComputed =
          computed === null ? null : (text: string, typeOid: number): string => (isTextBearing(typeOid) ? this.masker.maskComputed(text, typeOid, computed) : text);
        decided.copy = { masker: (tally) => new CopyMasker(plan, format, this.masker.textMasker, this.runtime.maskingKey, tally, maskComputed) };
        return decided;
      },
      (e: unknown) => {
        decided.copy = { refused: `cannot trace the columns of this COPY for masking (${(e as Error).message})` };
        return decided;
      },
    );
  }

  private enforce(d: Decided, protocol: 'simple' | 'extended', session: SessionView, record = true): StatementVerdict | Promise<StatementVerdict> {
    if (d.parseError !== null || d.classification === null) {
      return this.refuse(session, null, {
        severity: 'ERROR',
        code: '42601',
        message: `gatehouse: statement refused because it could not be parsed: ${d.parseError ?? 'unknown error'}`,
        hint: 'Gatehouse never forwards text it cannot parse.',
      }, protocol, d.sql, 'block', record);
    }
    const decision = d.decision!;
    const c = d.classification;
    const outage = this.runtime.serverOutage?.() ?? null;
    if (outage !== null) {
      return this.refuse(session, d, { severity: 'ERROR', code: '08006', message: `gatehouse: ${outage}; statements are refused until it is back` }, protocol, d.sql);
    }
    if (decision.action === 'block') {
      return this.refuse(session, d, { severity: 'ERROR', code: '42501', message: `gatehouse: ${decision.message}` }, protocol, d.sql, 'block', record);
    }
    if (decision.action === 'approve') {
      const gate = this.runtime.approvals;
      if (gate === null) {
        const who = decision.approvers.join(', ');
        return this.refuse(session, d, {
          severity: 'ERROR',
          code: '42501',
          message: `gatehouse: this ${c.class} statement needs approval by ${who} (rule "${decision.ruleName ?? 'default'}"), and approvals need a policy server; this proxy runs offline`,
        }, protocol, d.sql, 'approve');
      }
      return this.awaitApproval(gate, d, protocol, session);
    }
    if (d.copy !== null && 'refused' in d.copy) {
      return this.refuse(session, d, { severity: 'ERROR', code: '0A000', message: `gatehouse: ${d.copy.refused}` }, protocol, d.sql);
    }
    return this.forwardAudited(d, protocol, session, null);
  }

  /** Records the statement in the spool (durably, per the policy) and lets it through. */
  private forwardAudited(d: Decided, protocol: 'simple' | 'extended', session: SessionView, approvalRequestId: string | null): StatementVerdict | Promise<StatementVerdict> {
    const c = d.classification!;
    const decision = d.decision!;
    this.applyEffects(c, session);
    const tag: StatementTag = {
      statementId: null,
      startedAt: performance.now(),
      text: d.sql,
      rows: 0,
      statementRows: 0,
      withheldRows: 0,
      tally: newTally(),
      copy: null,
      error: null,
      decision,
      computed: d.computed,
    };
    if (d.copy !== null && 'masker' in d.copy) tag.copy = d.copy.masker(tag.tally);
    const spool = this.runtime.spool;
    if (spool === null) return { kind: 'forward', tag };
    const event = this.statementEvent(session, d, protocol, approvalRequestId === null ? 'allow' : 'approve');
    if (approvalRequestId !== null) event.approvalRequestId = approvalRequestId;
    tag.statementId = event.id;
    if (spool.healthy) return this.recordThenForward(spool, event, tag, session, d, protocol);
    // A failed spool recovers only through a probe. Probing before refusing lets the first
    // statement after space is freed run, instead of being refused just to trigger recovery.
    return spool.probe().then(
      (writable) => (writable ? this.recordThenForward(spool, event, tag, session, d, protocol) : this.spoolRefusal(session, d, protocol)),
      () => this.spoolRefusal(session, d, protocol),
    );
  }

  private recordThenForward(
    spool: AuditSpool,
    event: AuditEvent,
    tag: StatementTag,
    session: SessionView,
    d: Decided,
    protocol: 'simple' | 'extended',
  ): StatementVerdict | Promise<StatementVerdict> {
    if (spool.durability === 'buffered') {
      // Written (write(2)) before the statement is forwarded; only the fsync is grouped.
      try {
        spool.appendNow(event);
      } catch (e) {
        this.runtime.log.error({ err: (e as Error).message }, 'audit spool write failed; statements are refused until it recovers');
        return this.spoolRefusal(session, d, protocol, e);
      }
      return { kind: 'forward', tag };
    }
    return spool.append(event).then(
      () => ({ kind: 'forward', tag }) as StatementVerdict,
      (e: unknown) => {
        this.runtime.log.error({ err: (e as Error).message }, 'audit spool write failed');
        return this.spoolRefusal(session, d, protocol, e);
      },
    );
  }

  /**
   * Holds the statement while a different person decides: the request is created on the server,
   * the client is told why it waits, and the statement runs the moment the approval arrives
   * (redeemed once, for exactly this text) — or is refused with the decider's words.
   */
  private async awaitApproval(gate: ApprovalGate, d: Decided, protocol: 'simple' | 'extended', session: SessionView): Promise<StatementVerdict> {
    const c = d.classification!;
    const decision = d.decision!;
    const statement = { kind: 'statement' as const, statement: d.sql, fingerprint: c.fingerprint, class: c.class };
    let request: ApprovalRequest;
    try {
      if (!this.runtime.policy.approval_wait) {
        const approved = await gate.findApproved(this.runtime.connection, d.sql, c.fingerprint);
        if (approved !== null) return await this.runApproved(gate, approved, d, protocol, session);
      }
      if (decision.requireJustification && this.justification === null) {
        return await this.refuse(session, d, {
          severity: 'ERROR',
          code: '42501',
          message: `gatehouse: rule "${decision.ruleName ?? 'default'}" needs a justification for approval`,
          hint: "SET gatehouse.justification = 'why this must run'; then run the statement again",
        }, protocol, d.sql, 'approve');
      }
      request = await gate.create({
        connection: this.runtime.connection,
        scope: statement,
        rule: decision.ruleName ?? 'default',
        policyVersion: Math.max(1, this.runtime.policyVersion),
        ...(this.justification === null ? {} : { justification: this.justification }),
        brokerSessionId: session.id,
      });
    } catch (e) {
      return this.refuse(session, d, { severity: 'ERROR', code: '08006', message: `gatehouse: the approval request could not be created: ${(e as Error).message}` }, protocol, d.sql, 'approve');
    }
    if (!this.runtime.policy.approval_wait) {
      return this.refuse(session, d, {
        severity: 'ERROR',
        code: '42501',
        message: `gatehouse: approval requested (request ${request.id}, approvers ${request.approverGroups.join(', ')}); run the statement again once it is approved`,
      }, protocol, d.sql, 'approve', true, request.id);
    }
    session.notice({ severity: 'NOTICE', code: '01000', message: describeWait(request), detail: approvalNoticeDetail(request.id) });
    const held: HeldStatement = { requestId: request.id, abort: new AbortController() };
    this.held = held;
    let final: ApprovalRequest;
    try {
      final = await gate.waitForDecision(request.id, held.abort.signal);
    } catch (e) {
      if (held.abort.signal.aborted) {
        return this.refuse(session, d, { severity: 'ERROR', code: '57014', message: `gatehouse: canceling statement due to user request; approval request ${request.id} withdrawn` }, protocol, d.sql, 'approve', true, request.id);
      }
      return this.refuse(session, d, { severity: 'ERROR', code: '08006', message: `gatehouse: lost the policy server while waiting for approval: ${(e as Error).message}` }, protocol, d.sql, 'approve', true, request.id);
    } finally {
      if (this.held === held) this.held = null;
    }
    if (final.state !== 'approved') {
      return this.refuse(session, d, { severity: 'ERROR', code: '42501', message: describeOutcome(final) }, protocol, d.sql, 'approve', true, request.id);
    }
    return this.runApproved(gate, final, d, protocol, session);
  }

  private async runApproved(gate: ApprovalGate, request: ApprovalRequest, d: Decided, protocol: 'simple' | 'extended', session: SessionView): Promise<StatementVerdict> {
    try {
      await gate.redeem(request.id, d.sql, d.classification!.fingerprint, session.id);
    } catch (e) {
      return this.refuse(session, d, { severity: 'ERROR', code: '42501', message: `gatehouse: approval ${request.id} could not be redeemed: ${(e as Error).message}` }, protocol, d.sql, 'approve', true, request.id);
    }
    return this.forwardAudited(d, protocol, session, request.id);
  }

  /** A client's CancelRequest while a statement waits for approval withdraws the request. */
  cancel(): boolean {
    const held = this.held;
    if (held === null) return false;
    held.abort.abort();
    if (held.requestId !== null) void this.runtime.approvals?.cancel(held.requestId).catch(() => undefined);
    return true;
  }

  private spoolRefusal(_session: SessionView, _d: Decided, _protocol: 'simple' | 'extended', e?: unknown): StatementVerdict {
    // Without the append's own error, the spool still knows why it failed (ENOSPC stays 53100).
    const code = e instanceof SpoolUnavailableError ? e.code : (this.runtime.spool?.failureCode ?? 'unavailable');
    void this.runtime.spool?.probe().catch(() => false);
    return {
      kind: 'refuse',
      error: {
        severity: 'ERROR',
        code: code === 'ENOSPC' ? '53100' : '58030',
        message: `gatehouse: the audit spool cannot be written (${code}); statements are refused until it can, because nothing runs unaudited`,
      },
    };
  }

  private refuse(
    session: SessionView,
    d: Decided | null,
    error: NoticeFields,
    protocol: 'simple' | 'extended',
    sql: string,
    decisionKind: 'block' | 'approve' = 'block',
    record = true,
    approvalRequestId: string | null = null,
  ): StatementVerdict | Promise<StatementVerdict> {
    const spool = this.runtime.spool;
    const verdict: StatementVerdict = { kind: 'refuse', error, tag: { finished: true } };
    if (spool === null || !record) return verdict;
    const event = this.statementEvent(session, d ?? { sql, classification: null, parseError: error.message, decision: null, copy: null, computed: null }, protocol, decisionKind);
    event.error = { sqlstate: error.code, message: error.message };
    if (approvalRequestId !== null) event.approvalRequestId = approvalRequestId;
    return spool.append(event).then(
      () => verdict,
      () => verdict,
    );
  }

  private statementEvent(session: SessionView, d: Decided, protocol: 'simple' | 'extended', decision: AuditEvent['decision']): AuditEvent {
    return {
      id: newAuditEventId(),
      time: new Date().toISOString(),
      kind: 'statement',
      actor: this.runtime.actor,
      connection: this.runtime.connection,
      sessionId: session.id,
      statement: {
        text: auditText(d.sql),
        fingerprint: d.classification?.fingerprint ?? '',
        class: d.classification?.class ?? 'unknown',
        protocol,
      },
      rule: d.decision?.ruleName ?? null,
      decision,
    };
  }

  private applyEffects(c: SqlClassification, session: SessionView): void {
    for (const e of c.effects) {
      switch (e.kind) {
        case 'prepare':
          this.prepared.set(e.name, e.classification);
          break;
        case 'deallocate':
          if (e.name === null) this.prepared.clear();
          else this.prepared.delete(e.name);
          break;
        case 'set':
          if (e.name.toLowerCase() === 'search_path') this.searchPath = e.value === null ? [] : parseSearchPath(e.value, session.user);
          if (e.name.toLowerCase() === 'gatehouse.justification') this.justification = e.value === null || e.value.trim() === '' ? null : e.value;
          if (e.name.toLowerCase() === ANNOTATE_MASKING_SETTING) this.annotateMasking = settingIsOn(e.value);
          break;
        case 'reset-all':
          this.searchPath = [session.user, 'public'];
          this.annotateMasking = false;
          break;
        case 'declare-cursor':
        case 'close-cursor':
          break;
        default:
          e satisfies never;
      }
    }
  }

  // ---- results ------------------------------------------------------------------------

  /**
   * A run of rows in one pass: passed whole when nothing in it is masked, masked row by row
   * without leaving the run otherwise; null (row by row through rewrite) when the row shape
   * is still being looked up or the run crosses max_rows.
   */
  rewriteRun(run: FrameRun, ctx: FrameContext): Buffer | null {
    const tag = ctx.expectation?.tag as StatementTag | undefined;
    if (run.type === BackendCode.CopyData) {
      const copy = tag?.copy ?? null;
      if (copy === null) return this.masker.enabled && this.masker.textMasker !== null ? null : run.raw;
      const out = copy.rewriteRun(run.raw);
      tag!.rows += run.count;
      return out;
    }
    if (run.type !== BackendCode.DataRow) return null;
    let plan: RowPlan | null = null;
    if (this.masker.enabled) {
      if (ctx.rows === null) return null;
      const found = this.masker.planFor(ctx.rows);
      if (found instanceof Promise) return null;
      plan = found;
    }
    const limit = this.runtime.policy.limits.max_rows;
    if (tag !== undefined && limit !== undefined && tag.statementRows + run.count > limit) return null;
    let out = run.raw;
    if (plan?.active === true) out = this.masker.rewriteDataRun(run.raw, plan, tag?.tally ?? newTally(), tag?.computed ?? null);
    if (tag !== undefined) {
      tag.statementRows += run.count;
      tag.rows += run.count;
    }
    return out;
  }

  rewrite(frame: Frame, ctx: FrameContext): Buffer | null | Promise<Buffer | null> {
    const tag = ctx.expectation?.tag as StatementTag | undefined;
    switch (frame.type) {
      case BackendCode.RowDescription: {
        if (tag !== undefined) tag.statementRows = 0;
        if (!this.masker.enabled || ctx.rows === null) return frame.raw;
        const rows = ctx.rows;
        // Describe answers carry no statement tag; the statement they describe does.
        const described = tag === undefined && ctx.expectation?.statement !== undefined ? this.parsed.get(ctx.expectation.statement) : undefined;
        const computed = tag?.computed ?? described?.computed ?? null;
        const plan = this.masker.planFor(rows);
        if (plan instanceof Promise) return plan.then((p) => this.announcedRowDescription(frame.raw, p, computed));
        return this.announcedRowDescription(frame.raw, plan, computed);
      }
      case BackendCode.DataRow: {
        if (tag !== undefined) {
          const limit = this.runtime.policy.limits.max_rows;
          tag.statementRows++;
          if (limit !== undefined && tag.statementRows > limit) {
            tag.withheldRows++;
            return null;
          }
          tag.rows++;
        }
        if (!this.masker.enabled) return frame.raw;
        if (ctx.rows === null) {
          // No known row shape: nothing can be proven safe, so nothing is sent.
          if (tag !== undefined) tag.tally.withheldValues++;
          return null;
        }
        const tally = tag?.tally ?? newTally();
        const plan = this.masker.planFor(ctx.rows);
        const computed = tag?.computed ?? null;
        if (plan instanceof Promise) return plan.then((p) => this.masker.rewriteDataRow(frame.raw, frame.payload, p, tally, computed));
        return this.masker.rewriteDataRow(frame.raw, frame.payload, plan, tally, computed);
      }
      case BackendCode.CommandComplete:
        if (tag !== undefined && tag.withheldRows > 0) {
          const limit = this.runtime.policy.limits.max_rows;
          const withheld = tag.withheldRows;
          tag.withheldRows = 0;
          tag.statementRows = 0;
          const message = `gatehouse: the result exceeded the policy's max_rows (${limit}); ${withheld} further rows were withheld`;
          tag.error = { sqlstate: '54000', message };
          return backend.errorResponse({ severity: 'ERROR', code: '54000', message });
        }
        if (tag !== undefined) {
          tag.statementRows = 0;
          tag.rows += rowsWrittenBy(frame.payload);
        }
        return frame.raw;
      case BackendCode.CopyData:
        if (tag?.copy === null || tag?.copy === undefined) {
          if (!this.masker.enabled || this.masker.textMasker === null) return frame.raw;
          const r = this.masker.textMasker(frame.payload.toString('utf8'));
          return r.hits.length === 0 ? frame.raw : new MessageBuilder().bytes(Buffer.from(r.text, 'utf8')).build(BackendCode.CopyData);
        }
        tag.rows++;
        {
          const line = tag.copy.rewriteLine(frame.payload);
          return line === frame.payload ? frame.raw : new MessageBuilder().bytes(line).build(BackendCode.CopyData);
        }
      case BackendCode.ErrorResponse: {
        const out = this.masker.enabled ? this.masker.rewriteNotice(frame.raw, frame.payload, frame.type) : frame.raw;
        if (tag !== undefined && tag.error === null) {
          // The audit keeps the message as the client saw it: masked.
          const f = decodeNoticeFields(out.subarray(5));
          tag.error = { sqlstate: f.get('C') ?? 'XX000', message: f.get('M') ?? '' };
        }
        return out;
      }
      case BackendCode.NoticeResponse:
        return this.masker.enabled ? this.masker.rewriteNotice(frame.raw, frame.payload, frame.type) : frame.raw;
      case BackendCode.NotificationResponse:
        return this.masker.enabled ? this.masker.rewriteNotification(frame.raw, frame.payload) : frame.raw;
      default:
        return frame.raw;
    }
  }

  /** The rewritten RowDescription, preceded by the masked-columns NOTICE when the client opted in. */
  private announcedRowDescription(raw: Buffer, plan: RowPlan, computed: ComputedColumnRule | null): Buffer {
    const rewritten = this.masker.rewriteRowDescription(raw, plan, computed);
    if (!this.annotateMasking) return rewritten;
    const masked = maskedColumnsOf(plan, computed);
    return masked.length === 0 ? rewritten : Buffer.concat([backend.noticeResponse(maskingNotice(masked)), rewritten]);
  }

  completed(e: Expectation, session: SessionView): void {
    const tag = e.tag as StatementTag | { finished: true } | undefined;
    if (tag === undefined || 'finished' in tag || tag.statementId === null || this.runtime.spool === null) return;
    if (e.kind !== 'query' && e.kind !== 'execute') return;
    const result: AuditEvent = {
      id: newAuditEventId(),
      time: new Date().toISOString(),
      kind: 'statement_result',
      statementId: tag.statementId,
      actor: this.runtime.actor,
      connection: this.runtime.connection,
      sessionId: session.id,
      rule: tag.decision?.ruleName ?? null,
      decision: tag.error === null ? 'allow' : 'error',
      rows: tag.rows,
      durationMs: Math.round((performance.now() - tag.startedAt) * 1000) / 1000,
      maskedColumns: [...tag.tally.maskedColumns],
      ...(tag.error === null ? {} : { error: tag.error }),
    };
    (tag as { statementId: string | null }).statementId = null;
    if (tag.tally.withheldValues > 0) {
      session.notice({ severity: 'NOTICE', code: '01000', message: `gatehouse: ${tag.tally.withheldValues} values were withheld because they could not be masked` });
    }
    this.runtime.spool.append(result).catch((err: unknown) => this.runtime.log.error({ err: (err as Error).message }, 'audit result write failed'));
  }
}

/**
 * The rows a write reports in its CommandComplete tag (`UPDATE 3`, `INSERT 0 3`), which the
 * audit counts as its rows; reads count the DataRows they return instead.
 */
function rowsWrittenBy(commandCompletePayload: Buffer): number {
  const end = commandCompletePayload.indexOf(0);
  const commandTag = commandCompletePayload.toString('latin1', 0, end < 0 ? commandCompletePayload.length : end);
  const m = /^(?:INSERT \d+|UPDATE|DELETE|MERGE) (\d+)$/.exec(commandTag);
  return m === null ? 0 : Number(m[1]);
}
