/** Polls `probe` every `everyMs` until it returns a value (not undefined); rejects naming `what` once `ms` have passed. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
