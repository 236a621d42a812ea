import type { Queryable } from '../store/database.ts';

export interface NewLease {
  id: string;
  connection: string;
  subject: string;
  brokerSessionId: string;
  expiresAt: Date;
}

/** Records who holds a credential for which broker session until when; the credential itself is not stored here. */
export async function insertLease(tx: Queryable, lease: NewLease): Promise<void> {
  await tx.query('insert into leases (id, connection, subject, broker_session_id, expires_at) values ($1, $2, $3, $4, $5)', [
    lease.id,
    lease.connection,
    lease.subject,
    lease.brokerSessionId,
    lease.expiresAt.toISOString(),
  ]);
}
