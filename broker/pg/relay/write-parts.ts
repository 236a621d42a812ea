import type { Socket } from 'node:net';

/**
 * Writes slices in order with one writev (the socket is corked around them), so slices of
 * different received chunks go out together without being joined first. Returns false when
 * the socket wants the writer to wait for 'drain'.
 */
export function writeParts(socket: Socket, parts: readonly Buffer[]): boolean {
  if (parts.length === 1) return socket.write(parts[0]!);
  socket.cork();
  let ok = true;
  for (const part of parts) ok = socket.write(part);
  socket.uncork();
  return ok;
}
