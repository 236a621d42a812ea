import { randomUUID } from 'node:crypto';
import type { Principal } from '../../shared/api/identity.ts';
import type { AuditRecordInput } from '../audit/audit-chain.ts';

/** The server-side audit events of connections, policies and leases. */
export type ConnectionAuditKind =
  | 'connection.created'
  | 'connection.updated'
  | 'connection.deleted'
  | 'policy.changed'
  | 'lease.issued'
  | 'lease.refused';

/**
 * An audit record of something `principal` did to `connection`. `details` go into the event
 * as they are: callers put names, versions and field lists there, never a credential.
 */
export function connectionAuditRecord(
  principal: Principal,
  kind: ConnectionAuditKind,
  connection: string,
  text: string,
  details: Record<string, unknown> = {},
): AuditRecordInput {
  return {
    id: randomUUID(),
    time: new Date().toISOString(),
    source: 'server',
    kind,
    actor: principal.subject,
    actorMachine: principal.machine,
    connection,
    statementClass: null,
    decision: null,
    text,
    event: {
      kind,
      actor: { subject: principal.subject, name: principal.name, machine: principal.machine },
      connection,
      ...details,
    },
  };
}
