import { open, readFile, unlink } from 'node:fs/promises';

/**
 * PGlite is an embedded database: two processes opening one data directory would corrupt it.
 * A pid file next to the directory makes the second server refuse to start instead. A file
 * left behind by a crashed server is taken over once its pid is no longer alive.
 */
export async function lockDataDir(lockPath: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return async () => {
        const holder = await readFile(lockPath, 'utf8').catch(() => '');
        if (Number(holder.trim()) === process.pid) await unlink(lockPath).catch(() => undefined);
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new Error(`the embedded database is in use by another gatehouse server (pid ${holder}); lock file ${lockPath}`);
    }
    await unlink(lockPath).catch(() => undefined);
  }
  throw new Error(`could not take the embedded database lock ${lockPath}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
