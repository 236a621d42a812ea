import type { AuditActor } from '../../shared/audit/audit-event.ts';
import type { PolicyDocument } from '../../shared/policy/policy-document.ts';
import type { SshSettings } from '../../shared/policy/ssh-evaluate.ts';
import type { AuditSpool } from '../audit/audit-spool.ts';
import type { Logger } from '../log.ts';
import type { RecorderFactory } from './session-recorder.ts';
import type { SshApprovalGate } from './ssh-approval-gate.ts';
import type { SshUpstreamConfig } from './upstream-ssh.ts';

/** What every session of one SSH listener shares. */
export interface SshListenerRuntime {
  policy: PolicyDocument;
  settings: SshSettings;
  connection: string;
  actor: AuditActor;
  spool: AuditSpool | null;
  /** null: offline; anything that needs an approval is refused. */
  approvals: SshApprovalGate | null;
  recorders: RecorderFactory;
  upstream: SshUpstreamConfig;
  /** The upstream `host:port`, as audit events and recordings name it. */
  hostLabel: string;
  log: Logger;
  /** The JIT window the listener holds: approved once, it covers every session until it closes. */
  sessionWindow: { expiresAt: number; requestId: string | null } | null;
}
