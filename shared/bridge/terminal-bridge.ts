import { z } from 'zod';
import { approvalRequestSchema } from '../api/approvals.ts';

/*
 * Terminals: the broker opens an SSH session to a connection and carries bytes both ways. The
 * broker renders nothing. Output is paced: the broker stops reading from the upstream when
 * more than a window of bytes is unacknowledged, and the renderer acks (bridge `ack` with
 * stream = terminalId) as xterm finishes writing.
 */

export const terminalOpenParamsSchema = z.object({
  connection: z.string().min(1),
  cols: z.number().int().min(1).max(1000),
  rows: z.number().int().min(1).max(1000),
});
export const terminalOpenResultSchema = z.object({ terminalId: z.string(), recorded: z.boolean() });
export const terminalInputParamsSchema = z.object({ terminalId: z.string(), data: z.string() });
export const terminalResizeParamsSchema = z.object({ terminalId: z.string(), cols: z.number().int().min(1).max(1000), rows: z.number().int().min(1).max(1000) });
export const terminalIdParamsSchema = z.object({ terminalId: z.string() });

export const terminalEventSchema = z.discriminatedUnion('kind', [
  /** Base64 of raw bytes, so no UTF-8 sequence is split by the transport. */
  z.object({ kind: z.literal('output'), terminalId: z.string(), data: z.string(), bytes: z.number().int() }),
  z.object({ kind: z.literal('waiting'), terminalId: z.string(), request: approvalRequestSchema }),
  z.object({ kind: z.literal('opened'), terminalId: z.string(), recorded: z.boolean() }),
  z.object({ kind: z.literal('closed'), terminalId: z.string(), reason: z.enum(['exited', 'lost', 'killed', 'refused']), message: z.string(), exitStatus: z.number().int().nullable() }),
]);
export type TerminalEvent = z.infer<typeof terminalEventSchema>;

/** Unacknowledged output the broker allows before it pauses the upstream channel. */
export const TERMINAL_FLOW_WINDOW_BYTES = 256 * 1024;
