import type { ApprovalRequest } from '../../../shared/api/approvals.ts';
import type { TerminalEvent } from '../../../shared/bridge/terminal-bridge.ts';

type ClosedEvent = Extract<TerminalEvent, { kind: 'closed' }>;

/** Where one terminal tab's session stands. */
export type TerminalPhase =
  | { kind: 'opening' }
  /** The session waits for someone else to approve it. */
  | { kind: 'waiting'; request: ApprovalRequest }
  | { kind: 'open'; recorded: boolean }
  /** The session is over: the remote side exited, it was killed or refused, or it never opened. */
  | { kind: 'ended'; reason: ClosedEvent['reason'] | 'failed'; message: string; exitStatus: number | null; recorded: boolean }
  /** The session may still run somewhere, but this tab lost it (the link to the broker dropped). */
  | { kind: 'lost'; message: string; recorded: boolean };

export type TerminalAction =
  | { type: 'event'; event: TerminalEvent }
  /** terminal.open answered. */
  | { type: 'opened'; recorded: boolean }
  | { type: 'open-failed'; message: string }
  /** The bridge link to the broker went down while the session was live. */
  | { type: 'link-lost' }
  /** A request we wait on changed (a decision arrived, it escalated). */
  | { type: 'request-changed'; request: ApprovalRequest }
  | { type: 'reconnect' };

export const OPENING: TerminalPhase = { kind: 'opening' };

function recordedOf(phase: TerminalPhase): boolean {
  return phase.kind === 'open' || phase.kind === 'ended' || phase.kind === 'lost' ? phase.recorded : false;
}

function isLive(phase: TerminalPhase): boolean {
  return phase.kind === 'opening' || phase.kind === 'waiting' || phase.kind === 'open';
}

/** The next phase; a session that ended or was lost stays so until the user reconnects. */
export function nextTerminalPhase(phase: TerminalPhase, action: TerminalAction): TerminalPhase {
  switch (action.type) {
    case 'reconnect':
      return OPENING;
    case 'opened':
      if (phase.kind === 'open') return { kind: 'open', recorded: phase.recorded || action.recorded };
      // terminal.open can answer while the approval is still pending; the wait stays on screen.
      if (phase.kind === 'opening') return { kind: 'open', recorded: action.recorded };
      return phase;
    case 'open-failed':
      return isLive(phase) ? { kind: 'ended', reason: 'failed', message: action.message, exitStatus: null, recorded: false } : phase;
    case 'link-lost':
      return isLive(phase) ? { kind: 'lost', message: 'The link to the broker dropped; this tab no longer receives the session.', recorded: recordedOf(phase) } : phase;
    case 'request-changed':
      if (phase.kind !== 'waiting' || phase.request.id !== action.request.id) return phase;
      // Approved: the session goes on. Denied or expired: the broker closes it, which ends the tab.
      if (action.request.state === 'approved' || action.request.state === 'executed') return { kind: 'open', recorded: false };
      return { kind: 'waiting', request: action.request };
    case 'event':
      return onEvent(phase, action.event);
    default:
      return action satisfies never;
  }
}

function onEvent(phase: TerminalPhase, event: TerminalEvent): TerminalPhase {
  if (!isLive(phase)) return phase;
  switch (event.kind) {
    case 'waiting':
      return { kind: 'waiting', request: event.request };
    case 'opened':
      return { kind: 'open', recorded: event.recorded };
    case 'output':
      // The listener's own notices arrive as output while a session waits; only a decision ends the wait.
      if (phase.kind === 'waiting') return phase;
      return phase.kind === 'open' ? phase : { kind: 'open', recorded: recordedOf(phase) };
    case 'closed':
      if (event.reason === 'lost') return { kind: 'lost', message: event.message, recorded: recordedOf(phase) };
      return { kind: 'ended', reason: event.reason, message: event.message, exitStatus: event.exitStatus, recorded: recordedOf(phase) };
    default:
      return event satisfies never;
  }
}

/** The headline of a finished session. */
export function endedTitle(phase: Extract<TerminalPhase, { kind: 'ended' | 'lost' }>): string {
  if (phase.kind === 'lost') return 'Connection lost';
  switch (phase.reason) {
    case 'exited':
      return phase.exitStatus === null ? 'Session ended' : `Session ended (exit status ${phase.exitStatus})`;
    case 'killed':
      return 'Session ended by Gatehouse';
    case 'refused':
      return 'Session refused';
    case 'lost':
      return 'Connection lost';
    case 'failed':
      return 'Could not open the session';
    default:
      return phase.reason satisfies never;
  }
}
