const REASONS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EIO: 'I/O error',
  ENOTDIR: 'a component of the path is not a directory',
  ENOENT: 'the spool directory is gone',
  EFBIG: 'file too large',
  ESPOOLCLOSED: 'the spool is closed',
};

/**
 * The audit spool cannot record events right now. Callers must refuse the statement: running it
 * unaudited is never an option.
 */
export class SpoolUnavailableError extends Error {
  /** errno-style code of the underlying failure (ENOSPC, EACCES, EROFS, EIO, …), or ESPOOLCLOSED. */
  readonly code: string;

  constructor(code: string, dir: string, cause?: unknown) {
    const reason = REASONS[code] ?? (cause instanceof Error ? cause.message : 'unknown failure');
    super(
      `audit spool ${dir} is unavailable (${code}: ${reason}); statements are refused until it is writable again`,
      { cause },
    );
    this.name = 'SpoolUnavailableError';
    this.code = code;
  }

  static from(err: unknown, dir: string): SpoolUnavailableError {
    if (err instanceof SpoolUnavailableError) return err;
    return new SpoolUnavailableError(errnoCode(err) ?? 'EIO', dir, err);
  }
}

export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}
