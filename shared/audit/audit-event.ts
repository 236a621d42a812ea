import { z } from 'zod';

/*
 * One audit record, as spooled locally by the broker (one JSON line each) and shipped to the
 * server's hash-chained log.
 *
 * A SQL statement produces TWO records, on purpose:
 *   1. `statement` — written when the decision is made and BEFORE the statement is forwarded
 *      to the upstream. The audit must precede execution: if the broker is killed right after
 *      forwarding, the statement that may have run is still on record.
 *   2. `statement_result` — written when the outcome is known (rows, duration, error, masking
 *      applied), with `statementId` pointing at the `statement` record's `id`. None of that is
 *      knowable before forwarding, so it cannot live in the first record.
 * A `statement` without a matching `statement_result` therefore means "outcome unknown": the
 * broker died mid-flight, or the statement was refused after its record was written (for
 * example the spool failed right after). Readers must not read it as "succeeded".
 */

/** Random bytes drawn in blocks: ids are made per statement, and a system call each is measurable. */
const randomPool = new Uint8Array(4096);
let randomOffset = randomPool.length;
let lastMs = 0;
let sequence = 0;

function takeRandom(n: number): Uint8Array {
  if (randomOffset + n > randomPool.length) {
    globalThis.crypto.getRandomValues(randomPool);
    randomOffset = 0;
  }
  const out = randomPool.subarray(randomOffset, randomOffset + n);
  randomOffset += n;
  return out;
}

/**
 * UUIDv7 (RFC 9562): a 48-bit millisecond timestamp, then random bits, so ids sort by creation
 * time across shards and replicas. Within one millisecond a 12-bit counter in rand_a keeps ids
 * of one process strictly increasing.
 */
export function newAuditEventId(): string {
  const now = Date.now();
  if (now === lastMs) sequence = (sequence + 1) & 0xfff;
  else {
    lastMs = now;
    sequence = takeRandom(2).reduce((a, b) => (a << 8) | b, 0) & 0x7ff;
  }
  const r = takeRandom(8);
  const bytes = new Uint8Array(16);
  let t = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = t % 256;
    t = Math.floor(t / 256);
  }
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | (r[0]! & 0x3f);
  for (let i = 1; i < 8; i++) bytes[8 + i] = r[i]!;
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const auditEventKindSchema = z.enum([
  'session_start',
  'session_end',
  'statement',
  'statement_result',
  // SSH: a client connection opened and closed (with how it ended), each channel request
  // judged (shell, exec, subsystem, forwarding), each file moved.
  'ssh_session_start',
  'ssh_exec',
  'ssh_session_end',
  'ssh_transfer',
]);
export type AuditEventKind = z.infer<typeof auditEventKindSchema>;

/**
 * allow: forwarded as is. block: refused by policy. approve: held for a human approval
 * (`approvalRequestId` says which request). error: the broker could not decide or could not
 * run it (classifier failure, spool failure, upstream error) — always fail-closed.
 */
export const auditDecisionSchema = z.enum(['allow', 'block', 'approve', 'error']);
export type AuditDecision = z.infer<typeof auditDecisionSchema>;

export const auditActorSchema = z.object({
  /** The signed-in identity (OIDC subject or e-mail). */
  user: z.string().min(1),
  /** machine: an AI agent, CI job or script acting with the user's session. */
  kind: z.enum(['human', 'machine']),
  /** The OS account on the desktop, to tell apart several people sharing one sign-in. */
  localUser: z.string(),
});
export type AuditActor = z.infer<typeof auditActorSchema>;

export const auditStatementSchema = z.object({
  text: z.string(),
  /** libpg-query fingerprint: groups statements that differ only in constants. */
  fingerprint: z.string(),
  /** The classifier's effect class (read, write, ddl, dangerous, unknown, …). */
  class: z.string().min(1),
  protocol: z.enum(['simple', 'extended']),
});
export type AuditStatement = z.infer<typeof auditStatementSchema>;

export const auditErrorSchema = z.object({
  sqlstate: z.string().regex(/^[0-9A-Z]{5}$/, 'a SQLSTATE is five digits or capital letters'),
  message: z.string(),
});
export type AuditError = z.infer<typeof auditErrorSchema>;

/** What an SSH event is about; only on the ssh_* kinds. */
export const auditSshSchema = z.object({
  /** The upstream `host:port` and the remote account. */
  host: z.string(),
  remoteUser: z.string(),
  /** The SSH channel number, to tell apart several channels of one connection. */
  channel: z.number().int().nonnegative().optional(),
  request: z.enum(['shell', 'exec', 'subsystem', 'direct-tcpip', 'tcpip-forward', 'streamlocal', 'x11', 'agent']).optional(),
  /** The exec command line, subsystem name or forwarding target. */
  command: z.string().optional(),
  pty: z.object({ term: z.string(), cols: z.number().int(), rows: z.number().int() }).optional(),
  exitStatus: z.number().int().nullable().optional(),
  exitSignal: z.string().optional(),
  /** Why the session or channel ended: client, upstream, killed, idle timeout, … */
  endReason: z.string().optional(),
  transfer: z
    .object({
      protocol: z.enum(['sftp', 'scp', 'rsync']),
      op: z.enum(['upload', 'download', 'transfer', 'remove', 'rename', 'mkdir', 'rmdir']),
      path: z.string(),
      /** rename: the new name. */
      target: z.string().optional(),
      bytes: z.number().int().nonnegative(),
    })
    .optional(),
});
export type AuditSsh = z.infer<typeof auditSshSchema>;

export const auditEventSchema = z
  .object({
    id: z.uuid({ version: 'v7' }),
    time: z.iso.datetime({ offset: true }),
    kind: auditEventKindSchema,
    actor: auditActorSchema,
    connection: z.string().min(1),
    sessionId: z.string().min(1),
    statement: auditStatementSchema.optional(),
    /** On `statement_result`: the `id` of the `statement` record it completes. */
    statementId: z.uuid().optional(),
    rule: z.string().nullable(),
    decision: auditDecisionSchema,
    rows: z.number().int().nonnegative().optional(),
    durationMs: z.number().nonnegative().optional(),
    maskedColumns: z.array(z.string()).optional(),
    error: auditErrorSchema.optional(),
    approvalRequestId: z.string().optional(),
    ssh: auditSshSchema.optional(),
  })
  .superRefine((event, ctx) => {
    if (event.kind === 'statement' && event.statement === undefined) {
      ctx.addIssue({ code: 'custom', path: ['statement'], message: 'a statement event carries the statement' });
    }
    if (event.kind === 'statement_result' && event.statementId === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['statementId'],
        message: 'a statement_result event references its statement event',
      });
    }
    if (event.kind.startsWith('ssh_') && event.ssh === undefined) {
      ctx.addIssue({ code: 'custom', path: ['ssh'], message: 'an ssh event carries the ssh details' });
    }
    if (event.kind === 'ssh_transfer' && event.ssh?.transfer === undefined) {
      ctx.addIssue({ code: 'custom', path: ['ssh', 'transfer'], message: 'an ssh_transfer event carries the transfer' });
    }
  });
export type AuditEvent = z.infer<typeof auditEventSchema>;
