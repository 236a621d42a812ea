import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's root (where bin/gatehouse.mjs lives), found from this module's location: the
 * same answer from the TypeScript source (bin/demo/) and from the CLI bundle (dist/).
 */
export function gatehouseRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    if (existsSync(join(dir, 'bin', 'gatehouse.mjs')) && existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the Gatehouse package root (bin/gatehouse.mjs) above this module');
    dir = parent;
  }
}
