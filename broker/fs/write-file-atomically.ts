import { randomUUID } from 'node:crypto';
import { chmod, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces `path` atomically and durably with `content`, mode 0600 from the first byte: a crash
 * leaves the old file or the new one, never a torn file, and what was written survives a power
 * loss (the file and then its directory are fsync'ed).
 */
export async function writeFileAtomically(path: string, content: string): Promise<void> {
  const dir = dirname(path);
  const temporary = join(dir, `.${basename(path)}-${process.pid}-${randomUUID()}.tmp`);
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(content, 'utf8');
    // A umask cannot widen 0600, but a pre-set ACL or an odd file system could: say it again.
    await handle.chmod(0o600);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(temporary).catch(() => undefined);
    throw err;
  }
  await handle.close();
  try {
    await rename(temporary, path);
  } catch (err) {
    await unlink(temporary).catch(() => undefined);
    throw err;
  }
  await chmod(path, 0o600);
  if (process.platform === 'win32') return;
  const dirHandle = await open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}
