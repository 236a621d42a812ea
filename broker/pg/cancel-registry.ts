import { randomInt } from 'node:crypto';

export interface CancelTarget {
  /** Called when a client's CancelRequest names this session's proxy key. */
  cancel(): void;
}

/**
 * The proxy hands clients its own BackendKeyData, never the upstream's, so a client cannot
 * cancel other people's backends by guessing; a CancelRequest is mapped back here.
 */
export class CancelRegistry {
  private readonly targets = new Map<string, CancelTarget>();

  register(target: CancelTarget): { processId: number; secretKey: number; unregister: () => void } {
    for (;;) {
      const processId = randomInt(1, 2 ** 31 - 1);
      const secretKey = randomInt(-(2 ** 31), 2 ** 31 - 1);
      const key = `${processId}:${secretKey}`;
      if (this.targets.has(key)) continue;
      this.targets.set(key, target);
      return { processId, secretKey, unregister: () => this.targets.delete(key) };
    }
  }

  /** Returns true when the key matched a live session. */
  cancel(processId: number, secretKey: Buffer): boolean {
    if (secretKey.length !== 4) return false;
    const target = this.targets.get(`${processId}:${secretKey.readInt32BE(0)}`);
    if (target === undefined) return false;
    target.cancel();
    return true;
  }

  get size(): number {
    return this.targets.size;
  }
}
