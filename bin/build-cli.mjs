// Bundles the CLI into dist/gatehouse.mjs (plus lazily loaded chunks) (npm packages stay external) and copies the server's
// SQL migrations next to it, where the bundled migrate code looks for them.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
// Only the CLI's own output: dist/renderer (vite's) lives next to it and must survive.
mkdirSync(join(root, 'dist'), { recursive: true });
for (const name of readdirSync(join(root, 'dist'))) {
  if (/^(gatehouse|chunk-[A-Z0-9]+)\.mjs(\.map)?$/.test(name) || name === 'migrations') rmSync(join(root, 'dist', name), { recursive: true, force: true });
}
cpSync(join(root, 'server', 'store', 'migrations'), join(root, 'dist', 'migrations'), { recursive: true });
await build({
  entryPoints: [join(root, 'bin', 'gatehouse-main.ts')],
  // Split at dynamic imports: each chunk imports its own npm packages, so `proxy pg` does not
  // load the server's (fastify, oidc-provider, PGlite, xterm). Chunks sit next to the entry
  // because bundled code finds files relative to itself (../package.json, ./migrations).
  outdir: join(root, 'dist'),
  entryNames: 'gatehouse',
  chunkNames: '[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
