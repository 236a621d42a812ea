import { readFile } from 'node:fs/promises';

/**
 * The kernel's high-water mark of a process's resident set (VmHWM), in bytes. Read while the
 * process still runs: it covers its whole life, unlike a sample of the current RSS.
 */
export async function peakRssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  if (match === null) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}
