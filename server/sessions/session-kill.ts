import type { Principal } from '../../shared/api/identity.ts';
import type { SessionKillResult } from '../../shared/api/sessions.ts';
import { appendServerAuditEvent } from '../audit/server-audit-event.ts';
import { publishEvent } from '../events/publish-event.ts';
import { notFound } from '../http/http-errors.ts';
import type { Database } from '../store/database.ts';
import { findSessionOwner } from './session-store.ts';

/**
 * The kill switch: tells the broker holding session `id` (or the session of recording `id`) to
 * end it, and writes who did it and why to the audit log, in one transaction. The event goes to
 * the session's owner — their broker listens as them — and to auditors and admins.
 */
export async function killSession(db: Database, principal: Principal, id: string, reason: string): Promise<SessionKillResult> {
  return db.transaction(async (tx) => {
    const owner = await findSessionOwner(tx, id);
    if (owner === null) throw notFound(`no session ${id} is known to the server (a session becomes known once its broker uploads a recording of it)`);
    const eventId = await publishEvent(
      tx,
      { type: 'session.kill', sessionId: owner.sessionId, by: principal.name, reason },
      { subjects: [owner.userSubject], roles: ['auditor', 'admin'] },
    );
    await appendServerAuditEvent(tx, {
      kind: 'session_killed',
      actor: principal.name,
      actorMachine: principal.machine,
      connection: owner.connection,
      decision: 'kill',
      text: `ssh session ${owner.sessionId} of ${owner.userName} terminated: ${reason}`,
      details: { sessionId: owner.sessionId, user: owner.userName, userSubject: owner.userSubject, reason, eventId },
    });
    return { sessionId: owner.sessionId, user: owner.userName, connection: owner.connection, reason, eventId };
  });
}
