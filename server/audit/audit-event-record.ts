import type { Principal } from '../../shared/api/identity.ts';
import type { AuditActor, AuditEvent } from '../../shared/audit/audit-event.ts';
import type { AuditRecordInput } from './audit-chain.ts';

/**
 * The log record for one event a broker shipped.
 *
 * Who acted is taken from the caller's verified token, never from the event: a broker signed
 * in as alice cannot write events as bob. The record's `actor` is the caller's name (the same
 * name the broker puts in `actor.user`, from GET /v1/me) and `actorMachine` says whether the
 * token is a client-credentials (machine) token. The stored event's `actor` is rewritten to
 * match; if the broker claimed someone or something else, the claim is kept beside it as
 * `claimedActor` so an auditor can see the discrepancy, and searches by user never find the
 * event under the claimed name. The OS account (`localUser`) is the broker's to report and is kept.
 * `brokerId` records which broker shipped the event.
 */
export function auditRecordFromEvent(event: AuditEvent, caller: Principal, brokerId: string): AuditRecordInput {
  const actor: AuditActor = { user: caller.name, kind: caller.machine ? 'machine' : 'human', localUser: event.actor.localUser };
  const claimDiffers = event.actor.user !== actor.user || event.actor.kind !== actor.kind;
  const stored: Record<string, unknown> = {
    ...event,
    actor,
    brokerId,
    ...(claimDiffers ? { claimedActor: { user: event.actor.user, kind: event.actor.kind } } : {}),
  };
  return {
    id: event.id,
    time: event.time,
    source: 'broker',
    kind: event.kind,
    actor: actor.user,
    actorMachine: caller.machine,
    connection: event.connection,
    statementClass: event.statement?.class ?? null,
    decision: event.decision,
    // The search's text filter finds SQL statements, SSH command lines and transferred paths.
    text: event.statement?.text ?? event.ssh?.command ?? event.ssh?.transfer?.path ?? null,
    event: stored,
  };
}
