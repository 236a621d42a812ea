import { z } from 'zod';

/*
 * The wire shape shared by both bridge transports (Electron IPC and the `gatehouse ui`
 * WebSocket): the renderer calls methods and receives events; nothing else crosses.
 */

export const bridgeCallSchema = z.object({
  type: z.literal('call'),
  id: z.number().int().nonnegative(),
  method: z.string().min(1).max(100),
  params: z.unknown(),
});
export type BridgeCall = z.infer<typeof bridgeCallSchema>;

export const bridgeErrorSchema = z.object({
  /** A stable code the UI can branch on: 'unauthenticated', 'forbidden', 'invalid', 'not-found', 'unavailable', 'failed'. */
  code: z.enum(['unauthenticated', 'forbidden', 'invalid', 'not-found', 'unavailable', 'failed']),
  message: z.string(),
});
export type BridgeError = z.infer<typeof bridgeErrorSchema>;

export const bridgeResultSchema = z.discriminatedUnion('ok', [
  z.object({ type: z.literal('result'), id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({ type: z.literal('result'), id: z.number().int(), ok: z.literal(false), error: bridgeErrorSchema }),
]);
export type BridgeResult = z.infer<typeof bridgeResultSchema>;

export const bridgeEventEnvelopeSchema = z.object({
  type: z.literal('event'),
  event: z.string(),
  data: z.unknown(),
});
export type BridgeEventEnvelope = z.infer<typeof bridgeEventEnvelopeSchema>;

/** What the renderer acknowledges to pace a stream (terminal output): bytes it has rendered. */
export const bridgeAckSchema = z.object({
  type: z.literal('ack'),
  stream: z.string(),
  bytes: z.number().int().nonnegative(),
});
export type BridgeAck = z.infer<typeof bridgeAckSchema>;

export const bridgeInboundSchema = z.discriminatedUnion('type', [bridgeCallSchema, bridgeAckSchema]);
export const bridgeOutboundSchema = z.union([bridgeResultSchema, bridgeEventEnvelopeSchema]);
