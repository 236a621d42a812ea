import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Children a previous demo left running because it was killed outright (SIGKILL, a closed
 * terminal, a crash) and never got to stop them. Each is found by the PID file it (or we) wrote
 * and is only signalled when /proc shows it is still that same program on this data dir, so a
 * recycled PID is never hit.
 */

const UI_PID_FILE = 'ui.pid';
const WAIT_MS = 15_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function pidFrom(file: string): Promise<number | null> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const pid = Number(text.split('\n')[0]?.trim());
  return Number.isInteger(pid) && pid > 1 ? pid : null;
}

/** The process's argv joined by spaces; null when it is gone or /proc cannot tell. */
async function commandLine(pid: number): Promise<string | null> {
  const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null);
  return raw === null ? null : raw.split('\0').join(' ');
}

async function stopIfStill(pid: number | null, mustMention: readonly string[], signal: NodeJS.Signals, group: boolean): Promise<number | null> {
  if (pid === null || !alive(pid)) return null;
  const line = await commandLine(pid);
  if (line === null || !mustMention.every((part) => line.includes(part))) return null;
  try {
    process.kill(group ? -pid : pid, signal);
  } catch {
    process.kill(pid, signal);
  }
  const deadline = Date.now() + WAIT_MS;
  while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  return pid;
}

/** Stops what an earlier, killed demo left behind; returns a line per process stopped. */
export async function stopDemoLeftovers(dataDir: string, clusterDir: string | undefined): Promise<string[]> {
  const stopped: string[] = [];
  if (clusterDir !== undefined) {
    const pgData = join(clusterDir, 'data');
    // SIGINT: PostgreSQL's fast shutdown, which leaves no recovery to do.
    const pid = await stopIfStill(await pidFrom(join(pgData, 'postmaster.pid')), [pgData], 'SIGINT', false);
    if (pid !== null) stopped.push(`the demo PostgreSQL (PID ${pid})`);
  }
  const sshDir = join(dataDir, 'ssh');
  const sshd = await stopIfStill(await pidFrom(join(sshDir, 'sshd.pid')), [join(sshDir, 'sshd_config')], 'SIGTERM', false);
  if (sshd !== null) stopped.push(`the demo sshd (PID ${sshd})`);
  const ui = await stopIfStill(await pidFrom(join(dataDir, UI_PID_FILE)), ['gatehouse.mjs', 'ui'], 'SIGTERM', true);
  if (ui !== null) stopped.push(`the demo's \`gatehouse ui\` (PID ${ui})`);
  await rm(join(dataDir, UI_PID_FILE), { force: true });
  return stopped;
}

/** `gatehouse ui` writes no PID file of its own; the demo keeps one for the case above. */
export async function rememberUiPid(dataDir: string, pid: number | null): Promise<void> {
  if (pid === null) await rm(join(dataDir, UI_PID_FILE), { force: true });
  else await writeFile(join(dataDir, UI_PID_FILE), `${pid}\n`, { mode: 0o600 });
}
