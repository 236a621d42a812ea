import { z } from 'zod';
import type { BridgeError } from '../../shared/bridge/bridge-envelope.ts';
import type { IpcInvokeEvent, IpcMainPort } from '../ports/electron-port.ts';
import { originForLog } from '../security/origin-for-log.ts';
import { ACK_CHANNEL, CALL_CHANNEL } from './bridge-channels.ts';

/** The broker side the IPC transport forwards to (BridgeDispatcher has this shape). */
export interface BridgeEndpoint {
  call(method: string, params: unknown): Promise<{ ok: true; result: unknown } | { ok: false; error: BridgeError }>;
  ack(stream: string, bytes: number): void;
}

export interface BridgeIpcLog {
  warn(obj: object, msg: string): void;
}

const callPayloadSchema = z.object({ method: z.string().min(1).max(100), params: z.unknown() }).strict();
const ackPayloadSchema = z.object({ stream: z.string().min(1).max(200), bytes: z.number().int().nonnegative() }).strict();

const FORBIDDEN: { ok: false; error: BridgeError } = { ok: false, error: { code: 'forbidden', message: 'this frame may not use the Gatehouse bridge' } };

/**
 * The Electron transport of the bridge: `gatehouse:call` (invoke, answers with the bridge's
 * result envelope) and `gatehouse:ack` (fire and forget). Every message's sender is checked
 * before anything else is looked at; the dispatcher then validates method and params.
 */
export function registerBridgeIpc(ipc: IpcMainPort, bridge: BridgeEndpoint, isTrusted: (event: IpcInvokeEvent) => boolean, log: BridgeIpcLog): void {
  ipc.handle(CALL_CHANNEL, async (event, payload) => {
    if (!isTrusted(event)) {
      log.warn({ senderId: event.senderId, frame: originForLog(event.senderFrameUrl) }, 'refused a bridge call from an untrusted sender');
      return FORBIDDEN;
    }
    const parsed = callPayloadSchema.safeParse(payload);
    if (!parsed.success) return { ok: false, error: { code: 'invalid', message: 'a bridge call is { method, params }' } };
    return bridge.call(parsed.data.method, parsed.data.params);
  });
  ipc.on(ACK_CHANNEL, (event, payload) => {
    if (!isTrusted(event)) {
      log.warn({ senderId: event.senderId, frame: originForLog(event.senderFrameUrl) }, 'ignored a bridge ack from an untrusted sender');
      return;
    }
    const parsed = ackPayloadSchema.safeParse(payload);
    if (parsed.success) bridge.ack(parsed.data.stream, parsed.data.bytes);
  });
}
