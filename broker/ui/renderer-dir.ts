import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the built renderer (vite's dist/renderer) is: GATEHOUSE_RENDERER_DIR, else found by
 * walking up from this module — broker/ui/ when run from source, dist/ when run as the bundle.
 */
export function findRendererDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env['GATEHOUSE_RENDERER_DIR'];
  if (configured !== undefined && configured !== '') return resolve(configured);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    // <repo>/renderer is the renderer's source (vite's root, with its own index.html): only a
    // renderer folder inside dist/ is a build.
    const candidate = basename(dir) === 'dist' ? join(dir, 'renderer') : join(dir, 'dist', 'renderer');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  // Not built yet: the server says so on every page instead of failing to start.
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'renderer');
}
