import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatAuditEvent } from './format-audit-event.ts';
import { SpoolCursor } from './spool-cursor.ts';

export interface TailSpoolOptions {
  /** Keep watching for new events until `signal` aborts, like `tail -f`. */
  follow: boolean;
  out: NodeJS.WritableStream;
  signal?: AbortSignal;
  /** How often to look for new events when following. */
  pollMs?: number;
}

const DEFAULT_POLL_MS = 250;

/** Prints every event of a spool, one readable line each; with `follow`, then prints new ones as they land. */
export async function tailSpool(dir: string, options: TailSpoolOptions): Promise<void> {
  const { follow, out, signal } = options;
  const cursor = new SpoolCursor(dir);
  try {
    for (;;) {
      for await (const event of cursor.readAvailable()) {
        if (signal?.aborted) return;
        if (!out.write(`${formatAuditEvent(event)}\n`)) await once(out, 'drain', { signal });
      }
      if (!follow || signal?.aborted) return;
      // Polling rather than fs.watch: watch events are unreliable on network and container file systems.
      await sleep(options.pollMs ?? DEFAULT_POLL_MS, undefined, { signal });
    }
  } catch (err) {
    // Aborting is how a follow ends (Ctrl-C), not a failure.
    if (signal?.aborted) return;
    throw err;
  }
}
