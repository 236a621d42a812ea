import type { TerminalEvent } from '../../shared/bridge/terminal-bridge.ts';

type Closed = Extract<TerminalEvent, { kind: 'closed' }>;
export type TerminalEnding = Omit<Closed, 'kind' | 'terminalId'>;

/*
 * The SSH listener talks to a terminal only the way it talks to any OpenSSH client: its own
 * notices arrive on the channel's stderr as `gatehouse: …` lines (with a pty the remote shell
 * writes everything to stdout, so stderr carries nothing else), then an exit status or none.
 * This reads the listener's words into the terminal events the renderer branches on.
 */

const NOTICE_PREFIX = 'gatehouse: ';
const SESSION_WAITING = /^gatehouse: this session is waiting for approval by .* \(request ([^()\s]+)\)/;
const KILL_SWITCH = /^session terminated: /;
// Endings that are about the path to the host, not a decision about the session.
const PATH_LOST = /upstream|shutting down|cannot open the upstream|unreachable/i;

/** The `gatehouse: …` lines in a piece of the listener's stderr, without the prefix. */
export function noticesIn(text: string): string[] {
  return text
    .split(/\r?\n|\r/)
    .map((line) => line.trim())
    .filter((line) => line.startsWith(NOTICE_PREFIX))
    .map((line) => line.slice(NOTICE_PREFIX.length));
}

/** The approval request a session waits for, from the listener's "waiting for approval" notice. */
export function sessionWaitingRequestId(notice: string): string | null {
  return SESSION_WAITING.exec(`${NOTICE_PREFIX}${notice}`)?.[1] ?? null;
}

export interface TerminalObservation {
  /** The person closed the terminal (terminal.close). */
  closedByUser: boolean;
  /** Set when no shell channel was ever opened: why not. */
  openFailure: string | null;
  exitStatus: number | null;
  exitSignal: string | null;
  /** Any byte of the shell's own output (stdout) arrived. */
  sawShellOutput: boolean;
  /** The last of the listener's notices, without the prefix. */
  lastNotice: string | null;
  /** Set when the connection to the listener failed (socket error) rather than closed. */
  connectionError: string | null;
}

/** How a terminal ended, from what it saw: exited, refused, killed or lost. */
export function terminalEnding(o: TerminalObservation): TerminalEnding {
  if (o.closedByUser) return { reason: 'exited', message: 'the terminal was closed', exitStatus: o.exitStatus };
  if (o.openFailure !== null) return { reason: 'refused', message: o.openFailure, exitStatus: null };
  if (o.exitStatus !== null || o.exitSignal !== null) {
    // The listener refuses a shell (policy, denied approval) with a notice and a status before
    // the remote shell ever ran; a shell that ran has printed at least its prompt or echo.
    if (!o.sawShellOutput && o.lastNotice !== null) return { reason: 'refused', message: o.lastNotice, exitStatus: o.exitStatus };
    const message = o.exitStatus !== null ? `the shell exited with status ${o.exitStatus}` : `the shell was ended by signal ${o.exitSignal}`;
    return { reason: 'exited', message, exitStatus: o.exitStatus };
  }
  if (o.lastNotice !== null) {
    if (KILL_SWITCH.test(o.lastNotice)) return { reason: 'killed', message: o.lastNotice, exitStatus: null };
    if (PATH_LOST.test(o.lastNotice)) return { reason: 'lost', message: o.lastNotice, exitStatus: null };
    // Idle timeout, maximum length, the end of an approved window: Gatehouse ended it.
    return { reason: 'killed', message: o.lastNotice, exitStatus: null };
  }
  return { reason: 'lost', message: o.connectionError === null ? 'the connection to the SSH listener closed' : `the connection to the SSH listener was lost: ${o.connectionError}`, exitStatus: null };
}
