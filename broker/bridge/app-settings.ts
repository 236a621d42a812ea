import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { defaultTokenStorePath } from '../auth/token-store.ts';
import { writeFileAtomically } from '../fs/write-file-atomically.ts';

// Loose: the Electron shell keeps its own preferences in the same file; they must survive our writes.
const appSettingsSchema = z.looseObject({
  /** The Gatehouse server the app talks to; null until the first run asks for it. */
  serverUrl: z.string().nullable().default(null),
});
export type AppSettings = z.infer<typeof appSettingsSchema>;

/** Next to the token store: `$GATEHOUSE_HOME/app-settings.json`, else the per-user data directory. */
export function defaultAppSettingsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(dirname(defaultTokenStorePath(env)), 'app-settings.json');
}

/**
 * The desktop app's own settings (no secrets: tokens live in the token store), in a JSON file
 * replaced atomically. An unreadable file is reported, never silently reset.
 */
export class AppSettingsFile {
  constructor(readonly path: string) {}

  async read(): Promise<AppSettings> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return appSettingsSchema.parse({});
      throw err;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`${this.path} is not valid JSON; fix or delete it`);
    }
    const parsed = appSettingsSchema.safeParse(json);
    if (!parsed.success) throw new Error(`${this.path} is not a Gatehouse settings file: ${z.prettifyError(parsed.error)}`);
    return parsed.data;
  }

  async update(patch: Partial<AppSettings>): Promise<AppSettings> {
    const next = { ...(await this.read()), ...patch };
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    await writeFileAtomically(this.path, `${JSON.stringify(next, null, 2)}\n`);
    return next;
  }
}
