/*
 * Which recordings this process is writing right now, and one upload at a time per
 * recording: the recorder factory's background uploads and uploadPendingRecordings may run
 * side by side in one broker.
 */

const live = new Set<string>();
const uploading = new Map<string, Promise<unknown>>();

export function claimLive(id: string): void {
  live.add(id);
}

export function releaseLive(id: string): void {
  live.delete(id);
}

export function isLiveHere(id: string): boolean {
  return live.has(id);
}

/** Runs `fn` after any upload of the same recording already running in this process. */
export async function withUploadLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
  const previous = uploading.get(id) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(fn);
  const settled = run.catch(() => undefined);
  uploading.set(id, settled);
  try {
    return await run;
  } finally {
    if (uploading.get(id) === settled) uploading.delete(id);
  }
}

/** Whether another process with this pid is running (a broker that may still be writing). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
