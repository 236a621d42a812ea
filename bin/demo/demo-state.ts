import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/**
 * What the demo remembers between runs, in `<data dir>/demo-state.json` (0600: it holds the
 * demo database's passwords). Everything else that must survive a restart lives in files
 * next to it: the server's embedded store, the PostgreSQL cluster or PGlite database, the SSH keys.
 */

const portSchema = z.number().int().min(1).max(65535);

export const demoStateSchema = z.object({
  version: z.literal(1),
  /** Ports chosen on earlier runs, asked for again so bookmarked URLs keep working. */
  ports: z.object({ server: portSchema.optional(), postgres: portSchema.optional(), ssh: portSchema.optional(), ui: portSchema.optional() }).default({}),
  postgres: z
    .object({
      /** Outside the data dir when the postgres OS user cannot reach it (see demo-postgres.ts). */
      clusterDir: z.string().min(1),
      superPassword: z.string().min(1),
      appPassword: z.string().min(1),
    })
    .optional(),
  /** The embedded PGlite target (machines without PostgreSQL); its files are in `<data dir>/pglite`. */
  pglite: z.object({ appPassword: z.string().min(1) }).optional(),
});
export type DemoState = z.infer<typeof demoStateSchema>;

const STATE_FILE = 'demo-state.json';

/** `$XDG_DATA_HOME/gatehouse/demo`, or `~/.local/share/gatehouse/demo`. */
export function defaultDemoDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_DATA_HOME'] !== undefined && env['XDG_DATA_HOME'] !== '' ? env['XDG_DATA_HOME'] : join(homedir(), '.local', 'share');
  return join(base, 'gatehouse', 'demo');
}

export function resolveDemoDataDir(dataDir: string | undefined): string {
  return resolve(dataDir ?? defaultDemoDataDir());
}

export async function prepareDemoDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // 0711: the service users (postgres, the demo SSH user) may pass through to their own
  // subdirectories, which have their own modes; nobody else can list or read what is here.
  await chmod(dataDir, 0o711);
}

export async function readDemoState(dataDir: string): Promise<DemoState> {
  let text: string;
  try {
    text = await readFile(join(dataDir, STATE_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, ports: {} };
    throw e;
  }
  const parsed = demoStateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(`${join(dataDir, STATE_FILE)} is not a demo state file this version understands; start clean with --reset`);
  }
  return parsed.data;
}

/** Written to a temporary name and renamed, so an interrupted write never leaves half a file. */
export async function writeDemoState(dataDir: string, state: DemoState): Promise<void> {
  const file = join(dataDir, STATE_FILE);
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
}

/** --reset: the whole data dir, plus a cluster that had to live elsewhere. */
export async function resetDemoData(dataDir: string): Promise<void> {
  let state: DemoState | undefined;
  try {
    state = await readDemoState(dataDir);
  } catch {
    state = undefined;
  }
  const clusterDir = state?.postgres?.clusterDir;
  if (clusterDir !== undefined && !clusterDir.startsWith(`${dataDir}/`)) await rm(clusterDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
}

export function randomSecret(): string {
  return randomBytes(18).toString('base64url');
}
