import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { noticesIn, sessionWaitingRequestId, terminalEnding, type TerminalObservation } from '../../../broker/bridge/terminal-ending.ts';
import { describeWaiting } from '../../../broker/ssh/ssh-approval-gate.ts';

const quiet: TerminalObservation = {
  closedByUser: false,
  openFailure: null,
  exitStatus: null,
  exitSignal: null,
  sawShellOutput: true,
  lastNotice: null,
  connectionError: null,
};

describe('the SSH listener notices a terminal reads', () => {
  it('keeps only the listener lines, without the prefix, across CR/LF line ends', () => {
    expect(noticesIn('\r\ngatehouse: one\r\nremote text\ngatehouse: two\n  gatehouse: three  \r')).toEqual(['one', 'two', 'three']);
    expect(noticesIn('nothing here')).toEqual([]);
  });

  it('finds the request id in the waiting notice the listener really prints', () => {
    const id = randomUUID();
    const [notice] = noticesIn(describeWaiting('this session', ['db-approvers', 'sre'], id));
    expect(sessionWaitingRequestId(notice!)).toBe(id);
    // A command waiting (exec) is not the session waiting.
    const [command] = noticesIn(describeWaiting('this command', ['db-approvers'], id));
    expect(sessionWaitingRequestId(command!)).toBeNull();
    expect(sessionWaitingRequestId('session approved (request abc)')).toBeNull();
  });
});

describe('terminalEnding', () => {
  it('says exited with the status when the shell ran and exited', () => {
    expect(terminalEnding({ ...quiet, exitStatus: 0 })).toEqual({ reason: 'exited', message: 'the shell exited with status 0', exitStatus: 0 });
    expect(terminalEnding({ ...quiet, exitStatus: 3, lastNotice: 'session approved (request x); it ends at …' })).toMatchObject({ reason: 'exited', exitStatus: 3 });
    expect(terminalEnding({ ...quiet, exitSignal: 'KILL' })).toEqual({ reason: 'exited', message: 'the shell was ended by signal KILL', exitStatus: null });
  });

  it('says refused when the listener refused the shell before it ran', () => {
    const denied = terminalEnding({ ...quiet, sawShellOutput: false, exitStatus: 1, lastNotice: 'request 42 was denied by Bob (not now)' });
    expect(denied).toEqual({ reason: 'refused', message: 'request 42 was denied by Bob (not now)', exitStatus: 1 });
    expect(terminalEnding({ ...quiet, openFailure: 'the terminal could not be opened: refused' })).toEqual({ reason: 'refused', message: 'the terminal could not be opened: refused', exitStatus: null });
  });

  it('says killed for the kill switch and for endings Gatehouse decided (timeouts, approval windows)', () => {
    expect(terminalEnding({ ...quiet, lastNotice: 'session terminated: incident 42 (by carol)' })).toEqual({ reason: 'killed', message: 'session terminated: incident 42 (by carol)', exitStatus: null });
    expect(terminalEnding({ ...quiet, lastNotice: 'the session was idle for 15m' }).reason).toBe('killed');
    expect(terminalEnding({ ...quiet, lastNotice: 'the approved session window has ended' }).reason).toBe('killed');
  });

  it('says lost when the path to the host went away or the connection just closed', () => {
    expect(terminalEnding({ ...quiet, lastNotice: 'the upstream host closed the connection' }).reason).toBe('lost');
    expect(terminalEnding({ ...quiet, lastNotice: 'the proxy is shutting down' }).reason).toBe('lost');
    expect(terminalEnding({ ...quiet, connectionError: 'read ECONNRESET' })).toEqual({ reason: 'lost', message: 'the connection to the SSH listener was lost: read ECONNRESET', exitStatus: null });
    expect(terminalEnding(quiet).reason).toBe('lost');
  });

  it('says exited when the person closed it, whatever else was seen', () => {
    expect(terminalEnding({ ...quiet, closedByUser: true, lastNotice: 'session terminated: x' })).toEqual({ reason: 'exited', message: 'the terminal was closed', exitStatus: null });
  });
});
