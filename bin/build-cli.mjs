// Bundles the CLI into dist/gatehouse.mjs (npm packages stay external) and copies the server's
// SQL migrations next to it, where the bundled migrate code looks for them.
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
rmSync(join(root, 'dist'), { recursive: true, force: true });
mkdirSync(join(root, 'dist'), { recursive: true });
cpSync(join(root, 'server', 'store', 'migrations'), join(root, 'dist', 'migrations'), { recursive: true });
await build({
  entryPoints: [join(root, 'bin', 'gatehouse-main.ts')],
  outfile: join(root, 'dist', 'gatehouse.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
