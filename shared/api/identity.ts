import { z } from 'zod';

/** Roles a person (or machine) holds, derived from IdP groups by the server's group-to-role mapping. */
export const roleSchema = z.enum(['admin', 'approver', 'auditor', 'analyst']);
export type Role = z.infer<typeof roleSchema>;

/** Who is calling, as the server established it from a verified access token. */
export const principalSchema = z.object({
  /** The token's `sub`. */
  subject: z.string().min(1),
  /** A human-readable name (preferred_username, email or sub). */
  name: z.string().min(1),
  groups: z.array(z.string()),
  roles: z.array(roleSchema),
  /** The groups through which this principal may approve (a subset of `groups`). */
  approverGroups: z.array(z.string()),
  /** Client-credentials tokens: an agent, script or CI job. */
  machine: z.boolean(),
});
export type Principal = z.infer<typeof principalSchema>;

/** GET /v1/me */
export const meResponseSchema = principalSchema;

/** GET /v1/auth/config: what a client needs to sign in against this server's IdP. */
export const authConfigSchema = z.object({
  issuer: z.string().url(),
  clientId: z.string(),
  audience: z.string(),
  scopes: z.array(z.string()),
  devIdp: z.boolean(),
});
export type AuthConfig = z.infer<typeof authConfigSchema>;
