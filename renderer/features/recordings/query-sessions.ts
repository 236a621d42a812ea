import type { AuditRecord } from '../../../shared/api/audit.ts';

/** One query session as the list shows it, gathered from its statements' audit records. */
export interface QuerySessionSummary {
  sessionId: string;
  connection: string;
  user: string;
  machine: boolean;
  firstTime: string;
  lastTime: string;
  statements: number;
  /** Statements the policy did not simply allow (blocked, held for approval, failed to decide). */
  flagged: number;
}

/**
 * Query sessions from `statement` records: the audit has no per-session index, so the list is
 * built from the statements found, grouped by their session, newest session first.
 */
export function querySessionsOf(records: readonly AuditRecord[]): QuerySessionSummary[] {
  const sessions = new Map<string, QuerySessionSummary>();
  for (const record of records) {
    if (record.kind !== 'statement' || record.connection === null) continue;
    const sessionId = record.event.sessionId;
    if (typeof sessionId !== 'string') continue;
    const flagged = record.decision !== null && record.decision !== 'allow' ? 1 : 0;
    const known = sessions.get(sessionId);
    if (known) {
      known.statements += 1;
      known.flagged += flagged;
      if (record.time < known.firstTime) known.firstTime = record.time;
      if (record.time > known.lastTime) known.lastTime = record.time;
      continue;
    }
    sessions.set(sessionId, { sessionId, connection: record.connection, user: record.actor, machine: record.actorMachine, firstTime: record.time, lastTime: record.time, statements: 1, flagged });
  }
  return [...sessions.values()].sort((a, b) => Date.parse(b.firstTime) - Date.parse(a.firstTime));
}
