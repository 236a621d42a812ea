import type { AuditEvent, AuditEventKind, AuditSsh } from '../../shared/audit/audit-event.ts';

const STATEMENT_PREVIEW_CHARS = 200;
const NEWLINES = /\r\n|\r|\n/g;
// C0/C1 controls and bidi overrides: SQL text is attacker-controlled, and raw escape sequences
// or reordering marks would let it repaint or disguise lines in an auditor's terminal.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu;

/** One readable line per event, for `gatehouse audit tail`. */
export function formatAuditEvent(event: AuditEvent): string {
  const fields: string[] = [event.time, kindLabel(event.kind), actorLabel(event), `conn=${printable(event.connection)}`];
  fields.push(event.decision.toUpperCase());
  if (event.statement !== undefined) fields.push(printable(event.statement.class));
  fields.push(`rule=${event.rule === null ? '-' : printable(event.rule)}`);
  if (event.kind === 'statement') fields.push(`#${shortId(event.id)}`);
  if (event.statementId !== undefined) fields.push(`of=#${shortId(event.statementId)}`);
  if (event.rows !== undefined) fields.push(`rows=${event.rows}`);
  if (event.durationMs !== undefined) fields.push(`${formatDuration(event.durationMs)}ms`);
  if (event.maskedColumns !== undefined && event.maskedColumns.length > 0) {
    fields.push(`masked=${event.maskedColumns.map(printable).join(',')}`);
  }
  if (event.approvalRequestId !== undefined) fields.push(`approval=${printable(event.approvalRequestId)}`);
  if (event.error !== undefined) fields.push(`error=${printable(event.error.sqlstate)} ${JSON.stringify(printable(event.error.message))}`);
  if (event.statement !== undefined) fields.push(statementPreview(event.statement.text));
  if (event.ssh !== undefined) fields.push(sshSummary(event.ssh));
  return fields.join('  ');
}

function kindLabel(kind: AuditEventKind): string {
  switch (kind) {
    case 'session_start':
      return 'session+';
    case 'session_end':
      return 'session-';
    case 'statement':
      return 'stmt';
    case 'statement_result':
      return 'result';
    case 'ssh_session_start':
      return 'ssh+';
    case 'ssh_exec':
      return 'ssh-exec';
    case 'ssh_session_end':
      return 'ssh-';
    case 'ssh_transfer':
      return 'ssh-xfer';
    default:
      return kind satisfies never;
  }
}

function actorLabel(event: AuditEvent): string {
  const { user, kind, localUser } = event.actor;
  const machine = kind === 'machine' ? ' [machine]' : '';
  const local = localUser === '' ? '' : ` (${printable(localUser)})`;
  return `${printable(user)}${machine}${local}`;
}

/** The random tail of the UUID: enough to pair a result with its statement by eye. */
function shortId(id: string): string {
  return id.slice(-8);
}

function formatDuration(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

function statementPreview(text: string): string {
  // Count code points, not UTF-16 units, so the cut never splits a character.
  const chars = Array.from(printable(text.trim()));
  return chars.length > STATEMENT_PREVIEW_CHARS ? `${chars.slice(0, STATEMENT_PREVIEW_CHARS).join('')}…` : chars.join('');
}

function printable(text: string): string {
  return text
    .replace(NEWLINES, '⏎')
    .replace(UNPRINTABLE, (char) => `\\u{${char.codePointAt(0)?.toString(16) ?? ''}}`);
}

function sshSummary(ssh: AuditSsh): string {
  const parts = [`host=${printable(ssh.host)}`];
  if (ssh.request !== undefined) parts.push(ssh.request);
  if (ssh.transfer !== undefined) {
    const t = ssh.transfer;
    parts.push(`${t.protocol}:${t.op} ${JSON.stringify(printable(t.path))}${t.target === undefined ? '' : ` -> ${JSON.stringify(printable(t.target))}`} bytes=${t.bytes}`);
  }
  if (ssh.exitStatus !== undefined && ssh.exitStatus !== null) parts.push(`exit=${ssh.exitStatus}`);
  if (ssh.exitSignal !== undefined) parts.push(`signal=${printable(ssh.exitSignal)}`);
  if (ssh.endReason !== undefined) parts.push(`ended=${JSON.stringify(printable(ssh.endReason))}`);
  if (ssh.command !== undefined) parts.push(statementPreview(ssh.command));
  return parts.join('  ');
}
