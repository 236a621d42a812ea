import { TERMINAL_FLOW_WINDOW_BYTES } from '../../../shared/bridge/terminal-bridge.ts';

/**
 * Acks are batched to spare the bridge a message per chunk in a `yes` flood; a quarter of the
 * broker's window keeps the upstream flowing while xterm catches up.
 */
export const ACK_BATCH_BYTES = TERMINAL_FLOW_WINDOW_BYTES / 4;

/**
 * Flow-control accounting for one terminal session: the broker pauses the upstream while too
 * much output is unacknowledged, and we acknowledge only what xterm has actually rendered, so
 * a flood can never pile up in the renderer. Rendered bytes are acknowledged in batches, and
 * always as soon as xterm has nothing left to write: then the broker is never left waiting on
 * a batch that will not fill.
 */
export class OutputAckLedger {
  private writing = 0;
  private unacknowledged = 0;
  private ended = false;

  constructor(private readonly batchBytes = ACK_BATCH_BYTES) {}

  /** Output handed to xterm.write. */
  written(bytes: number): void {
    if (!this.ended) this.writing += bytes;
  }

  /** xterm finished writing a chunk; returns how many bytes to acknowledge now (0: not yet). */
  rendered(bytes: number): number {
    if (this.ended) return 0;
    const done = Math.min(bytes, this.writing);
    this.writing -= done;
    this.unacknowledged += done;
    if (this.unacknowledged === 0) return 0;
    if (this.unacknowledged < this.batchBytes && this.writing > 0) return 0;
    const ack = this.unacknowledged;
    this.unacknowledged = 0;
    return ack;
  }

  /** Bytes received and not yet acknowledged: what the broker counts against its window. */
  get outstanding(): number {
    return this.writing + this.unacknowledged;
  }

  /** The session is over (or replaced): late write callbacks acknowledge nothing. */
  end(): void {
    this.ended = true;
    this.writing = 0;
    this.unacknowledged = 0;
  }
}
