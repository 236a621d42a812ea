import type { Socket } from 'node:net';

/**
 * Writes slices in order with one writev (the socket is corked around them), so slices of
 * different received chunks go out together without being joined first. `written`, if given,
 * runs once the socket has written them all (or failed). Returns false when the socket wants
 * the writer to wait for 'drain'.
 */
export function writeParts(socket: Socket, parts: readonly Buffer[], written: (() => void) | undefined): boolean {
  if (parts.length === 1) return socket.write(parts[0]!, written);
  socket.cork();
  let ok = true;
  const last = parts.length - 1;
  for (let i = 0; i <= last; i++) ok = socket.write(parts[i]!, i === last ? written : undefined);
  socket.uncork();
  return ok;
}
