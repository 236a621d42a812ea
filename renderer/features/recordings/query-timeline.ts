import type { ApprovalRequest } from '../../../shared/api/approvals.ts';
import type { SessionTimeline, TimelineStatement } from '../../../shared/bridge/admin-bridge.ts';
import type { TimelineMarker } from './timeline-math.ts';

/** The session's span on the timeline: from its start (or first statement) to its end (or last statement). */
export function sessionSpan(timeline: SessionTimeline): { startMs: number; durationMs: number } {
  const times = timeline.statements.map((s) => Date.parse(s.time)).filter((t) => !Number.isNaN(t));
  const started = timeline.startedAt ? Date.parse(timeline.startedAt) : Number.NaN;
  const ended = timeline.endedAt ? Date.parse(timeline.endedAt) : Number.NaN;
  const startMs = Number.isNaN(started) ? (times.length > 0 ? Math.min(...times) : 0) : started;
  const lastStatementEnd = timeline.statements.reduce((end, s) => Math.max(end, Date.parse(s.time) + (s.durationMs ?? 0)), startMs);
  const endMs = Number.isNaN(ended) ? lastStatementEnd : Math.max(ended, lastStatementEnd);
  return { startMs, durationMs: Math.max(0, endMs - startMs) };
}

/** Statements on the timeline: each one a command marker, and those the policy did not simply allow a decision marker too. */
export function statementMarkers(timeline: SessionTimeline): TimelineMarker[] {
  const { startMs } = sessionSpan(timeline);
  const markers: TimelineMarker[] = [];
  for (const s of timeline.statements) {
    const ms = Math.max(0, Date.parse(s.time) - startMs);
    if (Number.isNaN(ms)) continue;
    const oneLine = s.text.replace(/\s+/g, ' ').trim();
    markers.push({ ms, kind: 'command', label: oneLine.length > 80 ? `${oneLine.slice(0, 77)}…` : oneLine });
    if (s.decision !== null && s.decision !== 'allow') markers.push({ ms, kind: 'decision', label: `${s.decision}${s.rule ? ` by ${s.rule}` : ''}` });
  }
  return markers;
}

/** The statement at (or last before) a moment of the session, for a click on its timeline. */
export function statementAt(timeline: SessionTimeline, ms: number): TimelineStatement | null {
  const { startMs } = sessionSpan(timeline);
  let best: TimelineStatement | null = null;
  for (const s of timeline.statements) {
    const at = Date.parse(s.time) - startMs;
    if (at <= ms + 250) best = s;
    else break;
  }
  return best ?? timeline.statements[0] ?? null;
}

/** The requests a statement cites, in the order it cites them. */
export function approvalsOf(statement: TimelineStatement, approvals: readonly ApprovalRequest[]): ApprovalRequest[] {
  const byId = new Map(approvals.map((a) => [a.id, a]));
  return statement.approvalRequestIds.flatMap((id) => {
    const found = byId.get(id);
    return found ? [found] : [];
  });
}
