/**
 * What keeping the SQL parser's WebAssembly on V8's baseline compiler costs and saves.
 *
 * Run:   npm run bench:parser [-- <statements>]   (default 80000; about a minute)
 *
 * Two fresh processes classify the same statements with the product's classifier
 * (classifySql: parse + fingerprint): one as V8 defaults (TurboFan tiers hot WebAssembly
 * functions up), one after keepWasmOnBaselineCompiler() (Liftoff only), as `gatehouse` runs.
 * Printed: the RSS the parser added in each (tsx's own memory is the same in both and cancels
 * out) and the warm time per statement (the last quarter of the run).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../test/support/gatehouse-proxy.ts';

interface Measurement {
  mode: string;
  addedRssMb: number;
  warmMicrosPerStatement: number;
}

const statements = process.argv[2] ?? '80000';

function measure(mode: 'default' | 'baseline'): Measurement {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench', 'parser', 'classify-process.ts'), mode, statements], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`${mode} run failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Measurement;
}

const turbofan = measure('default');
const baseline = measure('baseline');
const rows = [
  ['V8 default (TurboFan tier-up)', turbofan],
  ['baseline only (as gatehouse runs)', baseline],
] as const;
process.stdout.write(`${statements} statements through classifySql\n`);
for (const [label, m] of rows) {
  process.stdout.write(`  ${label.padEnd(34)} parser RSS +${m.addedRssMb.toFixed(0).padStart(4)} MB   warm ${m.warmMicrosPerStatement.toFixed(1).padStart(5)} µs/statement\n`);
}
process.stdout.write(
  `baseline only: ${(baseline.addedRssMb - turbofan.addedRssMb).toFixed(0)} MB of parser RSS, time per statement ×${(baseline.warmMicrosPerStatement / turbofan.warmMicrosPerStatement).toFixed(2)}\n`,
);
