import type { LiveSession } from '../../shared/api/sessions.ts';
import type { Queryable } from '../store/database.ts';

/*
 * What the server knows about SSH sessions comes from the recordings their brokers upload:
 * each recording names its broker session and the principal that uploaded it.
 */

export interface SessionOwner {
  sessionId: string;
  userName: string;
  userSubject: string;
  connection: string;
}

/** The session a broker session id, or one of its recordings' ids, belongs to; null when no recording names it. */
export async function findSessionOwner(db: Queryable, id: string): Promise<SessionOwner | null> {
  const [row] = await db.query<{ broker_session_id: string; user_name: string; user_subject: string; connection: string }>(
    `select broker_session_id, user_name, user_subject, connection from recordings
     where broker_session_id = $1 or id::text = lower($1)
     order by started_at desc limit 1`,
    [id],
  );
  return row === undefined ? null : { sessionId: row.broker_session_id, userName: row.user_name, userSubject: row.user_subject, connection: row.connection };
}

/** Sessions with a recording that has not ended, newest first; `subject` limits them to one user's. */
export async function listLiveSessions(db: Queryable, subject: string | null, limit = 500): Promise<LiveSession[]> {
  const params: unknown[] = [limit];
  let mine = '';
  if (subject !== null) {
    params.push(subject);
    mine = 'and user_subject = $2';
  }
  const rows = await db.query<{ broker_session_id: string; user_name: string; user_machine: boolean; connection: string; host: string; started_at: Date; recordings: string[] }>(
    `select broker_session_id, user_name, user_machine, connection, host, min(started_at) as started_at, array_agg(id::text order by started_at) as recordings
     from recordings where ended_at is null ${mine}
     group by broker_session_id, user_name, user_machine, connection, host
     order by min(started_at) desc limit $1`,
    params,
  );
  return rows.map((row) => ({
    sessionId: row.broker_session_id,
    user: row.user_name,
    userMachine: row.user_machine,
    connection: row.connection,
    host: row.host,
    startedAt: new Date(row.started_at).toISOString(),
    recordings: row.recordings,
  }));
}
