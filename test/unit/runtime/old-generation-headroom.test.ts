import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./fixtures/grow-old-generation.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function fullCollectionsWhileGrowing(mode: 'v8-default' | 'headroom', liveMb: number, growMb: number): Promise<number> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--heap-growing-percent=30', '--no-memory-reducer', '--expose-gc', '--import', 'tsx', CHILD, mode, String(liveMb), String(growMb)],
    { cwd: REPO_ROOT, timeout: 60_000 },
  );
  return (JSON.parse(stdout) as { fullCollections: number }).fullCollections;
}

describe('keepOldGenerationHeadroom', () => {
  // With ~30 MB kept by the last full collection, a factor of 1.3 puts the old generation's
  // limit near 39 MB and a factor of 3 near 90 MB: growing by 40 MB must cost a full collection
  // in the first case and none in the second.
  it('lets the old generation grow to three times what the last full collection kept', async () => {
    const [v8Default, headroom] = await Promise.all([
      fullCollectionsWhileGrowing('v8-default', 30, 40),
      fullCollectionsWhileGrowing('headroom', 30, 40),
    ]);
    expect(v8Default).toBeGreaterThanOrEqual(1);
    expect(headroom).toBe(0);
  }, 90_000);
});
