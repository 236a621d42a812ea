/**
 * Things that arrive by key (an approval id) possibly before anyone asks for them: a waiter
 * gets what already came, or the arrival when it comes, or a timeout error.
 */
export class KeyedArrivals<T> {
  private readonly arrived = new Map<string, T>();
  private readonly waiters = new Map<string, (value: T) => void>();

  record(key: string, value: T): void {
    if (this.arrived.has(key)) return;
    this.arrived.set(key, value);
    this.waiters.get(key)?.(value);
  }

  waitFor(key: string, timeoutMs: number, what: string): Promise<T> {
    const already = this.arrived.get(key);
    if (already !== undefined) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        reject(new Error(`${what} ${key}: nothing within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(key, (value) => {
        clearTimeout(timer);
        this.waiters.delete(key);
        resolve(value);
      });
    });
  }
}
