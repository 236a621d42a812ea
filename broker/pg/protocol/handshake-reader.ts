import type { Socket } from 'node:net';
import type { FrameReader} from './frame-reader.ts';
import { type Frame } from './frame-reader.ts';
import { ProtocolError } from './protocol-error.ts';

/**
 * Pulls framed messages from a socket one at a time during a handshake, with a deadline.
 * When the handshake is over, `release()` detaches it and hands over the reader and any frames
 * already received, so the relay continues exactly where the handshake stopped.
 */
export class HandshakeReader {
  private readonly queue: Frame[] = [];
  private waiter: { resolve: (f: Frame) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  private readonly onData = (chunk: Buffer): void => {
    try {
      for (const f of this.reader.push(chunk)) this.queue.push(f);
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    this.deliver();
  };
  private readonly onEnd = (): void => this.fail(new ProtocolError(`${this.peer} closed the connection during the handshake`, '08006'));
  private readonly onError = (e: Error): void => this.fail(new ProtocolError(`${this.peer} connection error: ${e.message}`, '08006'));

  constructor(
    private readonly socket: Socket,
    readonly reader: FrameReader,
    private readonly peer: string,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onError);
  }

  next(deadline: number): Promise<Frame> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise<Frame>((resolve, reject) => {
      const ms = Math.max(0, deadline - Date.now());
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new ProtocolError(`timed out waiting for ${this.peer}`, '08006'));
      }, ms);
      this.waiter = {
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  release(): { reader: FrameReader; frames: Frame[] } {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onError);
    return { reader: this.reader, frames: this.queue.splice(0) };
  }

  private deliver(): void {
    if (this.waiter === null) return;
    const f = this.queue.shift();
    if (f === undefined) return;
    const w = this.waiter;
    this.waiter = null;
    w.resolve(f);
  }

  private fail(e: Error): void {
    if (this.failure === null) this.failure = e;
    if (this.waiter !== null) {
      const w = this.waiter;
      this.waiter = null;
      w.reject(this.failure);
    }
  }
}
