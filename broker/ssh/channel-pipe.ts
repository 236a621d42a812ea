import type { Readable, Writable } from 'node:stream';

/**
 * Copies `from` into `to`, showing each chunk to `tap` first (a tap that returns false drops
 * the chunk), and pauses `from` while `to` is full. With SSH channels that pause is real flow control: a paused channel stops
 * granting window to its sender, so a slow reader slows the writer instead of filling memory.
 */
export function relay(from: Readable, to: Writable, tap: (chunk: Buffer) => boolean): void {
  let waiting = false;
  from.on('data', (chunk: Buffer) => {
    if (!tap(chunk) || !to.writable) return;
    if (to.write(chunk) || waiting) return;
    waiting = true;
    from.pause();
    to.once('drain', () => {
      waiting = false;
      from.resume();
    });
  });
}

const FLUSH_LIMIT_MS = 2_000;

/**
 * Resolves once everything written to `stream` so far has been handed to the transport (or
 * the stream can no longer take writes, or a short limit passed: a peer that stopped
 * reading must not hold a closing channel open).
 */
export function flushed(stream: Writable): Promise<void> {
  if (!stream.writable || stream.writableLength === 0) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, FLUSH_LIMIT_MS);
    timer.unref();
    // An empty write completes after every write before it.
    stream.write(Buffer.alloc(0), () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Resolves when `stream` has ended (all its data read), or at once if it already has. */
export function ended(stream: Readable, limitMs = FLUSH_LIMIT_MS): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, limitMs);
    timer.unref();
    stream.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
    stream.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
