import { z } from 'zod';
import { connectionCreateSchema, connectionNameSchema, connectionUpdateSchema } from './connections.ts';
import { errorResponseSchema } from './errors.ts';

/*
 * Request and reply shapes of the connection and policy routes, beyond the core contracts.
 */

const created = connectionCreateSchema.shape;

/**
 * PATCH body: the shared update contract without its defaults. `connectionUpdateSchema`
 * inherits `description: ''` and `recordingRetentionDays: 90` from the create schema, so a
 * PATCH that only changes the policy would silently reset both; here an absent field is
 * absent, and so unchanged.
 */
export const connectionPatchSchema = connectionUpdateSchema.extend({
  description: created.description.unwrap().optional(),
  recordingRetentionDays: created.recordingRetentionDays.unwrap().optional(),
});
export type ConnectionPatch = z.infer<typeof connectionPatchSchema>;

/** One problem in a policy document, where an editor would show it. */
export const policyErrorSchema = z.object({
  line: z.number().int(),
  column: z.number().int(),
  path: z.string(),
  message: z.string(),
});

/** 400 for a policy that does not parse or validate: every error with its line and field. */
export const invalidPolicyResponseSchema = errorResponseSchema.extend({
  errors: z.array(policyErrorSchema).optional(),
});
export type InvalidPolicyResponse = z.infer<typeof invalidPolicyResponseSchema>;

export const connectionParamsSchema = z.object({ name: connectionNameSchema });

export const connectionListQuerySchema = z.object({
  /** Case-insensitive substring of the name or the description. */
  q: z.string().max(200).optional(),
});

export const policyVersionParamsSchema = z.object({
  name: connectionNameSchema,
  version: z.coerce.number().int().positive(),
});

export const policyDiffQuerySchema = z.object({
  from: z.coerce.number().int().positive(),
  to: z.coerce.number().int().positive(),
});
