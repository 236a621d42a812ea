import type { AuditRecord } from '../../../shared/api/audit.ts';
import type { CastEvent } from '../../../shared/api/recordings.ts';
import type { TimelineMarker } from './timeline-math.ts';

/** What the markers need to know about a recording. */
export interface RecordingSpan {
  brokerSessionId: string;
  startedAt: string;
  durationMs: number;
}

function stringField(event: Record<string, unknown>, key: string): string | null {
  const value = event[key];
  return typeof value === 'string' ? value : null;
}

function sshCommand(event: Record<string, unknown>): string | null {
  const ssh = event.ssh;
  if (typeof ssh !== 'object' || ssh === null) return null;
  const command = (ssh as Record<string, unknown>).command;
  return typeof command === 'string' ? command : null;
}

/**
 * Commands and policy decisions of the recording's session, from its audit records: an exec
 * command is a command marker; anything the policy did not simply allow is a decision marker.
 */
export function markersFromAudit(records: readonly AuditRecord[], span: RecordingSpan): TimelineMarker[] {
  const start = Date.parse(span.startedAt);
  if (Number.isNaN(start)) return [];
  const markers: TimelineMarker[] = [];
  for (const record of records) {
    if (stringField(record.event, 'sessionId') !== span.brokerSessionId) continue;
    const ms = Date.parse(record.time) - start;
    // Records just outside the recording (the connection opening) still belong at its edge.
    if (Number.isNaN(ms) || ms < -60_000 || ms > span.durationMs + 60_000) continue;
    const at = Math.min(Math.max(0, ms), span.durationMs);
    const decision = record.decision ?? stringField(record.event, 'decision');
    const rule = stringField(record.event, 'rule');
    const command = sshCommand(record.event);
    if (record.kind === 'ssh_exec' && command !== null) markers.push({ ms: at, kind: 'command', label: `$ ${command}` });
    if (decision !== null && decision !== 'allow') {
      markers.push({ ms: at, kind: 'decision', label: `${decision}${rule ? ` by ${rule}` : ''}${command !== null ? `: ${command}` : ''}` });
    }
  }
  return markers;
}

/** The recorder's own markers (`m` events): exec commands it started, reasons it ended a session. */
export function markerFromCastEvent(event: CastEvent): TimelineMarker | null {
  const [seconds, code, data] = event;
  if (code !== 'm') return null;
  const ms = seconds * 1000;
  if (data.startsWith('exec: ')) return { ms, kind: 'command', label: `$ ${data.slice('exec: '.length)}` };
  return { ms, kind: 'marker', label: data };
}

export function markersFromHits(hits: readonly { t: number; line: string }[]): TimelineMarker[] {
  return hits.map((hit) => ({ ms: hit.t, kind: 'hit' as const, label: hit.line.trim() }));
}

/** All markers, once each, in time order. */
export function mergeMarkers(...lists: ReadonlyArray<readonly TimelineMarker[]>): TimelineMarker[] {
  const seen = new Set<string>();
  const merged: TimelineMarker[] = [];
  for (const list of lists) {
    for (const marker of list) {
      const key = `${marker.kind}\u0000${Math.round(marker.ms)}\u0000${marker.label}`;
      if (seen.has(key)) continue;
      seen.add(key);
      merged.push(marker);
    }
  }
  return merged.sort((a, b) => a.ms - b.ms);
}
