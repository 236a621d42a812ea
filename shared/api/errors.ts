import { z } from 'zod';

/** Every error reply has this shape; `message` is absent only on 401, which says nothing. */
export const errorResponseSchema = z.object({
  error: z.string(),
  message: z.string().optional(),
});
export type ErrorResponse = z.infer<typeof errorResponseSchema>;
