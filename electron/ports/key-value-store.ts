/**
 * The slice of electron-store the shell uses. Keys are plain names (dot notation off), values
 * are JSON; electron-store writes the file atomically.
 */
export interface KeyValueStore {
  /** The file behind the store. */
  readonly path: string;
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  delete(key: string): void;
}
