import { z } from 'zod';
import { approvalRequestSchema } from '../api/approvals.ts';

/** The inbox: requests I may decide, my own, and recently decided ones, newest first. */
export const inboxResultSchema = z.object({
  requests: z.array(approvalRequestSchema),
  /** Pending requests I may decide: the badge and the tray count. */
  pendingForMe: z.number().int(),
});

export const approvalIdParamsSchema = z.object({ id: z.string().min(1) });
export const decideParamsSchema = z.object({
  id: z.string().min(1),
  decision: z.enum(['approve', 'deny']),
  comment: z.string().max(2000).default(''),
});

/** What the shell shows as an OS notification, and where clicking it leads. */
export const notificationSchema = z.object({
  title: z.string(),
  body: z.string(),
  /** e.g. gatehouse://approvals/<id> */
  deepLink: z.string(),
});
export type AppNotification = z.infer<typeof notificationSchema>;
