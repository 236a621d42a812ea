import { describe, expect, it } from 'vitest';
import { endedTitle, nextTerminalPhase, OPENING, type TerminalPhase } from '../../../renderer/features/terminals/terminal-phase.ts';
import { MAX_UNCLAIMED_EVENTS, TerminalEventRouter } from '../../../renderer/features/terminals/terminal-event-router.ts';
import {
  clampFontSize,
  DEFAULT_TERMINAL_SETTINGS,
  FONT_SIZE_MAX,
  FONT_SIZE_MIN,
  loadTerminalSettings,
  parseTerminalSettings,
  saveTerminalSettings,
  TERMINAL_SETTINGS_KEY,
} from '../../../renderer/features/terminals/terminal-settings.ts';
import type { ApprovalRequest } from '../../../shared/api/approvals.ts';
import type { TerminalEvent } from '../../../shared/bridge/terminal-bridge.ts';

function request(id: string, connection = 'web-1', decisions: ApprovalRequest['decisions'] = []): ApprovalRequest {
  return {
    id,
    state: 'pending',
    connection,
    requester: 'alice-sub',
    requesterName: 'alice',
    requesterMachine: false,
    scope: { kind: 'session', durationMs: 3_600_000 },
    rule: 'ssh.session',
    policyVersion: 2,
    justification: null,
    approverGroups: ['ops'],
    escalationGroups: [],
    escalated: false,
    minApprovals: 2,
    decisions,
    createdAt: '2025-01-01T00:00:00Z',
    expiresAt: '2025-01-01T00:15:00Z',
    escalateAt: null,
    decidedAt: null,
  };
}

const output = (terminalId: string): TerminalEvent => ({ kind: 'output', terminalId, data: 'aGk=', bytes: 2 });
const closed = (terminalId: string, reason: 'exited' | 'lost' | 'killed' | 'refused', exitStatus: number | null = null): TerminalEvent => ({
  kind: 'closed',
  terminalId,
  reason,
  message: `${reason}!`,
  exitStatus,
});

describe('terminal phases', () => {
  const run = (...actions: Parameters<typeof nextTerminalPhase>[1][]): TerminalPhase => actions.reduce(nextTerminalPhase, OPENING);

  it('opens when output starts without a wait', () => {
    expect(nextTerminalPhase(OPENING, { type: 'event', event: output('t1') }).kind).toBe('open');
  });

  it('opens, remembers that the session is recorded, and ends with the exit status', () => {
    const open = run({ type: 'opened', recorded: true });
    expect(open).toEqual({ kind: 'open', recorded: true });
    const ended = nextTerminalPhase(open, { type: 'event', event: closed('t1', 'exited', 0) });
    expect(ended).toMatchObject({ kind: 'ended', reason: 'exited', exitStatus: 0, recorded: true });
    expect(endedTitle(ended as Extract<TerminalPhase, { kind: 'ended' }>)).toBe('Session ended (exit status 0)');
  });

  it('shows an approval wait, follows the request as decisions arrive, and opens once it is approved', () => {
    const waiting = run({ type: 'event', event: { kind: 'waiting', terminalId: 't1', request: request('r1') } });
    expect(waiting.kind).toBe('waiting');
    const decided = request('r1', 'web-1', [{ approver: 'b', approverName: 'bob', decision: 'approve', comment: '', at: '2025-01-01T00:01:00Z' }]);
    const updated = nextTerminalPhase(waiting, { type: 'request-changed', request: decided });
    expect(updated).toEqual({ kind: 'waiting', request: decided });
    expect(nextTerminalPhase(updated, { type: 'request-changed', request: request('other') })).toBe(updated);
    // terminal.open answering during the wait does not hide it
    expect(nextTerminalPhase(updated, { type: 'opened', recorded: true })).toBe(updated);
    expect(nextTerminalPhase(updated, { type: 'event', event: { kind: 'opened', terminalId: 't1', recorded: true } })).toEqual({ kind: 'open', recorded: true });
    // The listener's "still waiting" notices are output too: they do not end the wait.
    expect(nextTerminalPhase(updated, { type: 'event', event: output('t1') })).toBe(updated);
    expect(nextTerminalPhase(updated, { type: 'request-changed', request: { ...decided, state: 'approved' } }).kind).toBe('open');
    expect(nextTerminalPhase(updated, { type: 'request-changed', request: { ...decided, state: 'denied' } })).toEqual({ kind: 'waiting', request: { ...decided, state: 'denied' } });
  });

  it('tells a lost connection from an ended session, and a dropped link from both', () => {
    const open = run({ type: 'opened', recorded: false });
    expect(nextTerminalPhase(open, { type: 'event', event: closed('t1', 'lost') })).toEqual({ kind: 'lost', message: 'lost!', recorded: false });
    const linkLost = nextTerminalPhase(open, { type: 'link-lost' });
    expect(linkLost.kind).toBe('lost');
    expect(endedTitle(linkLost as Extract<TerminalPhase, { kind: 'lost' }>)).toBe('Connection lost');
    const refused = nextTerminalPhase(OPENING, { type: 'event', event: closed('t1', 'refused') });
    expect(endedTitle(refused as Extract<TerminalPhase, { kind: 'ended' }>)).toBe('Session refused');
  });

  it('stays ended until reconnect: late events and link changes do not revive it', () => {
    const ended = run({ type: 'opened', recorded: true }, { type: 'event', event: closed('t1', 'killed') });
    expect(nextTerminalPhase(ended, { type: 'event', event: output('t1') })).toBe(ended);
    expect(nextTerminalPhase(ended, { type: 'link-lost' })).toBe(ended);
    expect(nextTerminalPhase(ended, { type: 'opened', recorded: true })).toBe(ended);
    expect(nextTerminalPhase(ended, { type: 'reconnect' })).toEqual(OPENING);
  });

  it('a failed open ends the tab with the reason', () => {
    const failed = nextTerminalPhase(OPENING, { type: 'open-failed', message: 'auditors cannot open connections' });
    expect(failed).toMatchObject({ kind: 'ended', reason: 'failed', message: 'auditors cannot open connections' });
  });
});

describe('TerminalEventRouter', () => {
  it('delivers events to the owning tab and keeps early ones until the tab claims its id', () => {
    const router = new TerminalEventRouter();
    const a: TerminalEvent[] = [];
    const b: TerminalEvent[] = [];
    router.claim('ta', (e) => a.push(e));
    router.deliver(output('ta'));
    router.deliver(output('tb'));
    expect(a).toHaveLength(1);
    expect(router.held).toBe(1);
    const release = router.claim('tb', (e) => b.push(e));
    expect(b).toEqual([output('tb')]);
    expect(router.held).toBe(0);
    release();
    router.deliver(output('tb'));
    expect(b).toHaveLength(1);
  });

  it('sends an approval wait to the tab opening that connection, and what follows for that session too', () => {
    const router = new TerminalEventRouter();
    const got: TerminalEvent[] = [];
    const other: TerminalEvent[] = [];
    router.expectOpen('db-1', (e) => other.push(e));
    const done = router.expectOpen('web-1', (e) => got.push(e));
    router.deliver({ kind: 'waiting', terminalId: 't9', request: request('r1', 'web-1') });
    router.deliver(output('t9'));
    done();
    expect(got.map((e) => e.kind)).toEqual(['waiting', 'output']);
    expect(other).toHaveLength(0);
  });

  it('holds a bounded number of unclaimed events', () => {
    const router = new TerminalEventRouter();
    for (let i = 0; i < MAX_UNCLAIMED_EVENTS + 50; i++) router.deliver(output(`stale-${i}`));
    expect(router.held).toBe(MAX_UNCLAIMED_EVENTS);
  });
});

describe('terminal settings', () => {
  it('round-trips through storage', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    expect(loadTerminalSettings(storage)).toEqual(DEFAULT_TERMINAL_SETTINGS);
    saveTerminalSettings(storage, { fontSize: 18, theme: 'solarized-dark' });
    expect(store.has(TERMINAL_SETTINGS_KEY)).toBe(true);
    expect(loadTerminalSettings(storage)).toEqual({ fontSize: 18, theme: 'solarized-dark' });
  });

  it('falls back field by field on bad or old values, and survives a storage that throws', () => {
    expect(parseTerminalSettings('{"fontSize": 400, "theme": "light"}')).toEqual({ fontSize: DEFAULT_TERMINAL_SETTINGS.fontSize, theme: 'light' });
    expect(parseTerminalSettings('{"fontSize": 12, "theme": "neon"}')).toEqual({ fontSize: 12, theme: 'auto' });
    expect(parseTerminalSettings('not json')).toEqual(DEFAULT_TERMINAL_SETTINGS);
    expect(parseTerminalSettings('null')).toEqual(DEFAULT_TERMINAL_SETTINGS);
    const broken = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
    };
    expect(loadTerminalSettings(broken)).toEqual(DEFAULT_TERMINAL_SETTINGS);
    expect(() => saveTerminalSettings(broken, DEFAULT_TERMINAL_SETTINGS)).not.toThrow();
  });

  it('keeps font sizes in range', () => {
    expect(clampFontSize(2)).toBe(FONT_SIZE_MIN);
    expect(clampFontSize(99)).toBe(FONT_SIZE_MAX);
    expect(clampFontSize(13.6)).toBe(14);
    expect(clampFontSize(Number.NaN)).toBe(DEFAULT_TERMINAL_SETTINGS.fontSize);
  });
});
