import { TERMINAL_FLOW_WINDOW_BYTES } from '../../shared/bridge/terminal-bridge.ts';

/**
 * The pacing of one terminal's output: bytes sent to the renderer and not yet acknowledged.
 * Past the window the upstream channel must pause; it resumes once acknowledgements bring the
 * backlog under half the window, so a flood moves in large steps instead of flapping.
 */
export class FlowWindow {
  private unacknowledged = 0;
  private pausedNow = false;

  constructor(readonly limit: number = TERMINAL_FLOW_WINDOW_BYTES) {
    if (!Number.isInteger(limit) || limit < 2) throw new RangeError(`a flow window needs at least 2 bytes (got ${limit})`);
  }

  get paused(): boolean {
    return this.pausedNow;
  }

  get backlog(): number {
    return this.unacknowledged;
  }

  /** `bytes` more went out; true when the sender must pause now (once per pause). */
  sent(bytes: number): boolean {
    this.unacknowledged += bytes;
    if (this.pausedNow || this.unacknowledged <= this.limit) return false;
    this.pausedNow = true;
    return true;
  }

  /**
   * The renderer consumed `bytes`; true when the sender may resume now. Acknowledging more than
   * was sent banks nothing: a renderer cannot buy itself an unlimited window in advance.
   */
  acknowledged(bytes: number): boolean {
    if (!Number.isFinite(bytes) || bytes <= 0) return false;
    this.unacknowledged = Math.max(0, this.unacknowledged - bytes);
    if (!this.pausedNow || this.unacknowledged >= this.limit / 2) return false;
    this.pausedNow = false;
    return true;
  }
}
