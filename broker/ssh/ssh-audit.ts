import { newAuditEventId } from '../../shared/audit/audit-event.ts';
import type { AuditActor, AuditDecision, AuditEvent, AuditSsh } from '../../shared/audit/audit-event.ts';
import type { AuditSpool } from '../audit/audit-spool.ts';
import type { Logger } from '../log.ts';

export type SshAuditKind = 'ssh_session_start' | 'ssh_exec' | 'ssh_session_end' | 'ssh_transfer';

export interface SshAuditFields {
  decision: AuditDecision;
  rule?: string | null;
  approvalRequestId?: string;
  durationMs?: number;
  ssh: Omit<AuditSsh, 'host' | 'remoteUser'>;
}

const MAX_AUDIT_TEXT = 100_000;

/**
 * Writes the SSH events of one session to the audit spool. `record` resolves once the event
 * is as durable as the policy asks, and rejects (SpoolUnavailableError) when the spool
 * cannot take it — callers refuse to run what they could not record.
 */
export class SshAuditor {
  constructor(
    private readonly spool: AuditSpool | null,
    private readonly base: { actor: AuditActor; connection: string; sessionId: string; host: string; remoteUser: string },
    private readonly log: Logger,
  ) {}

  async record(kind: SshAuditKind, fields: SshAuditFields): Promise<void> {
    const ssh: AuditSsh = { host: this.base.host, remoteUser: this.base.remoteUser, ...fields.ssh };
    if (ssh.command !== undefined && ssh.command.length > MAX_AUDIT_TEXT) {
      ssh.command = `${ssh.command.slice(0, MAX_AUDIT_TEXT)}…[${ssh.command.length - MAX_AUDIT_TEXT} more characters]`;
    }
    const event: AuditEvent = {
      id: newAuditEventId(),
      time: new Date().toISOString(),
      kind,
      actor: this.base.actor,
      connection: this.base.connection,
      sessionId: this.base.sessionId,
      rule: fields.rule ?? null,
      decision: fields.decision,
      ...(fields.approvalRequestId === undefined ? {} : { approvalRequestId: fields.approvalRequestId }),
      ...(fields.durationMs === undefined ? {} : { durationMs: fields.durationMs }),
      ssh,
    };
    this.log.info({ session: this.base.sessionId, kind, decision: fields.decision, request: ssh.request, rule: event.rule }, 'ssh audit');
    if (this.spool !== null) await this.spool.append(event);
  }
}
