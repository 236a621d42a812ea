import { z } from 'zod';

export const connectionKindSchema = z.enum(['postgres', 'ssh']);

export const connectionNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, - and _, up to 63 characters');

/** Upstream address and TLS settings; never the credential. */
export const postgresTargetSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  database: z.string().min(1),
  user: z.string().min(1),
  sslmode: z.enum(['disable', 'prefer', 'require', 'verify-ca', 'verify-full']),
  caPem: z.string().nullable(),
  requireAuth: z.array(z.enum(['scram-sha-256', 'md5', 'password', 'none'])).default(['scram-sha-256']),
});
export type PostgresTarget = z.infer<typeof postgresTargetSchema>;

export const sshTargetSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  user: z.string().min(1),
  /** The pinned host key, as in known_hosts: `ssh-ed25519 AAAA...`. */
  hostKey: z.string().min(1),
});
export type SshTarget = z.infer<typeof sshTargetSchema>;

export const credentialInputSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('password'), password: z.string().min(1) }),
  z.object({ kind: z.literal('private-key'), privateKeyPem: z.string().min(1), passphrase: z.string().optional() }),
]);
export type CredentialInput = z.infer<typeof credentialInputSchema>;

/** POST /v1/connections (admin) */
export const connectionCreateSchema = z.object({
  name: connectionNameSchema,
  kind: connectionKindSchema,
  description: z.string().max(500).default(''),
  target: z.union([postgresTargetSchema, sshTargetSchema]),
  credential: credentialInputSchema,
  /** IdP groups whose members may open this connection. */
  allowedGroups: z.array(z.string().min(1)).min(1),
  /** The policy document, as YAML text (validated with shared/policy). */
  policyYaml: z.string().min(1),
  /** Retention of recordings and their snapshots, in days. */
  recordingRetentionDays: z.number().int().min(1).max(3650).default(90),
});
export type ConnectionCreate = z.infer<typeof connectionCreateSchema>;

/** PATCH /v1/connections/:name (admin): everything optional; a new policy makes a new version. */
// Built from the fields without their create-time defaults: a PATCH must leave what it does not name alone.
export const connectionUpdateSchema = z.object({
  description: z.string().max(500),
  target: z.union([postgresTargetSchema, sshTargetSchema]),
  credential: credentialInputSchema,
  allowedGroups: z.array(z.string().min(1)).min(1),
  policyYaml: z.string().min(1),
  recordingRetentionDays: z.number().int().min(1).max(3650),
}).partial().extend({
  /** Why the change was made; required when the policy changes. */
  reason: z.string().max(1000).optional(),
});
export type ConnectionUpdate = z.infer<typeof connectionUpdateSchema>;

export const connectionSummarySchema = z.object({
  name: connectionNameSchema,
  kind: connectionKindSchema,
  description: z.string(),
  target: z.union([postgresTargetSchema, sshTargetSchema]),
  allowedGroups: z.array(z.string()),
  policyVersion: z.number().int().positive(),
  recordingRetentionDays: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ConnectionSummary = z.infer<typeof connectionSummarySchema>;

export const policyVersionSchema = z.object({
  connection: connectionNameSchema,
  version: z.number().int().positive(),
  yaml: z.string(),
  author: z.string(),
  reason: z.string(),
  createdAt: z.string(),
});
export type PolicyVersion = z.infer<typeof policyVersionSchema>;

/** GET /v1/connections/:name/policies/diff?from=&to= */
export const policyDiffSchema = z.object({
  connection: connectionNameSchema,
  from: z.number().int(),
  to: z.number().int(),
  /** A unified diff of the YAML texts. */
  diff: z.string(),
});

/** POST /v1/leases: a broker asks for the credential of one connection, for one broker session. */
export const leaseRequestSchema = z.object({
  connection: connectionNameSchema,
  brokerSessionId: z.string().min(1),
});

export const leaseSchema = z.object({
  id: z.string(),
  connection: connectionNameSchema,
  kind: connectionKindSchema,
  target: z.union([postgresTargetSchema, sshTargetSchema]),
  credential: credentialInputSchema,
  policy: z.object({ version: z.number().int(), yaml: z.string() }),
  expiresAt: z.string(),
});
export type Lease = z.infer<typeof leaseSchema>;
