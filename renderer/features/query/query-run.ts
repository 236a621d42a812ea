import type { ApprovalRequest } from '../../../shared/api/approvals.ts';
import type { QueryColumn, QueryEvent } from '../../../shared/bridge/query-bridge.ts';

export interface RunError {
  sqlstate: string | null;
  message: string;
  detail: string | null;
  hint: string | null;
}

export interface RunNotice {
  severity: string;
  message: string;
}

interface RunBase {
  sql: string;
  justification: string | null;
}

/** One statement's life in a query tab. `request` is its approval, once it needed one. */
export type RunPhase =
  | { phase: 'idle' }
  | (RunBase & { phase: 'starting' })
  | (RunBase & { phase: 'running'; queryId: string; startedAt: number; request: ApprovalRequest | null; cancelling: boolean })
  | (RunBase & { phase: 'waiting'; queryId: string; startedAt: number; request: ApprovalRequest; cancelling: boolean })
  | (RunBase & { phase: 'done'; queryId: string; command: string; rowCount: number | null; durationMs: number; request: ApprovalRequest | null })
  | (RunBase & {
      phase: 'failed';
      queryId: string | null;
      error: RunError;
      needsJustification: boolean;
      durationMs: number | null;
      request: ApprovalRequest | null;
    });

export interface RunState {
  run: RunPhase;
  /** The current result set's columns; null until a statement returns rows. */
  columns: readonly QueryColumn[] | null;
  notices: readonly RunNotice[];
}

export type RunAction =
  | { type: 'start'; sql: string; justification: string | null }
  | { type: 'started'; queryId: string; at: number }
  | { type: 'start-failed'; message: string }
  | { type: 'event'; event: QueryEvent }
  | { type: 'request-changed'; request: ApprovalRequest }
  | { type: 'cancelling' }
  | { type: 'link-lost' };

export const initialRunState: RunState = { run: { phase: 'idle' }, columns: null, notices: [] };

const NOTICE_LIMIT = 50;

export function isActive(run: RunPhase): run is Extract<RunPhase, { phase: 'starting' | 'running' | 'waiting' }> {
  return run.phase === 'starting' || run.phase === 'running' || run.phase === 'waiting';
}

/** The tab's run state after one action; pure, so the whole life of a run is testable without a DOM. */
export function runReducer(state: RunState, action: RunAction): RunState {
  const run = state.run;
  switch (action.type) {
    case 'start':
      return { run: { phase: 'starting', sql: action.sql, justification: action.justification }, columns: null, notices: [] };
    case 'started':
      if (run.phase !== 'starting') return state;
      return { ...state, run: { phase: 'running', sql: run.sql, justification: run.justification, queryId: action.queryId, startedAt: action.at, request: null, cancelling: false } };
    case 'start-failed':
      if (run.phase !== 'starting') return state;
      return { ...state, run: failed(run, null, { sqlstate: null, message: action.message, detail: null, hint: null }, false, null, null) };
    case 'cancelling':
      if (run.phase !== 'running' && run.phase !== 'waiting') return state;
      return { ...state, run: { ...run, cancelling: true } };
    case 'link-lost':
      if (!isActive(run)) return state;
      return {
        ...state,
        run: failed(run, 'queryId' in run ? run.queryId : null, { sqlstate: null, message: 'Lost the connection to the broker; the statement may or may not have completed.', detail: null, hint: null }, false, null, 'request' in run ? run.request : null),
      };
    case 'request-changed': {
      if (!('request' in run) || run.request === null || run.request.id !== action.request.id) return state;
      return { ...state, run: { ...run, request: action.request } as RunPhase };
    }
    case 'event':
      return applyEvent(state, action.event);
    default:
      return action satisfies never;
  }
}

function applyEvent(state: RunState, event: QueryEvent): RunState {
  const run = state.run;
  if (run.phase !== 'running' && run.phase !== 'waiting') return state;
  if (event.queryId !== run.queryId) return state;
  switch (event.kind) {
    case 'columns':
      return { ...state, columns: event.columns, run: runningAgain(run) };
    case 'rows':
      // Rows live in the ResultBuffer; only leaving the wait state is a change here.
      return run.phase === 'waiting' ? { ...state, run: runningAgain(run) } : state;
    case 'notice':
      return { ...state, notices: [...state.notices, { severity: event.severity, message: event.message }].slice(-NOTICE_LIMIT) };
    case 'waiting':
      return { ...state, run: { phase: 'waiting', sql: run.sql, justification: run.justification, queryId: run.queryId, startedAt: run.startedAt, request: event.request, cancelling: run.cancelling } };
    case 'done':
      return { ...state, run: { phase: 'done', sql: run.sql, justification: run.justification, queryId: run.queryId, command: event.command, rowCount: event.rowCount, durationMs: event.durationMs, request: run.request } };
    case 'failed':
      return {
        ...state,
        run: failed(run, run.queryId, { sqlstate: event.sqlstate, message: event.message, detail: event.detail, hint: event.hint }, event.needsJustification, event.durationMs, run.request),
      };
    default:
      return event satisfies never;
  }
}

function runningAgain(run: Extract<RunPhase, { phase: 'running' | 'waiting' }>): RunPhase {
  if (run.phase === 'running') return run;
  return { phase: 'running', sql: run.sql, justification: run.justification, queryId: run.queryId, startedAt: run.startedAt, request: run.request, cancelling: run.cancelling };
}

function failed(run: RunBase, queryId: string | null, error: RunError, needsJustification: boolean, durationMs: number | null, request: ApprovalRequest | null): RunPhase {
  return { phase: 'failed', sql: run.sql, justification: run.justification, queryId, error, needsJustification, durationMs, request };
}
