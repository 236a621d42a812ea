import { readFile } from 'node:fs/promises';

export interface ProcessMemory {
  /** Resident set now (VmRSS). */
  rssBytes: number;
  /** Highest resident set over the process's life so far (VmHWM). */
  peakRssBytes: number;
}

function field(status: string, name: string, pid: number): number {
  const match = new RegExp(`^${name}:\\s+(\\d+)\\s+kB$`, 'm').exec(status);
  if (match === null) throw new Error(`no ${name} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** Both figures from one read of /proc/<pid>/status, so they describe the same moment. */
export async function processMemory(pid: number): Promise<ProcessMemory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return { rssBytes: field(status, 'VmRSS', pid), peakRssBytes: field(status, 'VmHWM', pid) };
}
