import { newAuditEventId } from '../../shared/audit/audit-event.ts';
import type { Queryable } from '../store/database.ts';
import { appendAuditRecords } from './audit-chain.ts';

/** The actor of what the server does on its own (retention, schedulers). */
export const SERVER_ACTOR = 'gatehouse-server';

export interface ServerAuditEventInput {
  /** e.g. `audit_retention_purge`, `approval_decided`. */
  kind: string;
  /** Who caused it; SERVER_ACTOR for the server's own jobs. */
  actor: string;
  actorMachine: boolean;
  connection?: string | null;
  decision?: string | null;
  /** Short human-readable text; found by the search's text filter. */
  text?: string | null;
  /** Anything else worth keeping; stored (and hashed) as the record's event JSON. */
  details?: Record<string, unknown>;
  /** Default: now. */
  time?: Date;
}

/**
 * Appends one server-side record (`source: 'server'`) to the hash chain. Call it inside the
 * transaction that makes the change, so the record exists exactly when the change does.
 * Returns the record's id.
 */
export async function appendServerAuditEvent(tx: Queryable, input: ServerAuditEventInput): Promise<string> {
  const id = newAuditEventId();
  const time = (input.time ?? new Date()).toISOString();
  await appendAuditRecords(tx, [
    {
      id,
      time,
      source: 'server',
      kind: input.kind,
      actor: input.actor,
      actorMachine: input.actorMachine,
      connection: input.connection ?? null,
      statementClass: null,
      decision: input.decision ?? null,
      text: input.text ?? null,
      // The fixed keys last: details cannot pass for another record's id or kind.
      event: { ...input.details, id, time, kind: input.kind, actor: input.actor },
    },
  ]);
  return id;
}
