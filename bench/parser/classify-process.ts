/**
 * One measurement process of bench/parser/run.ts: classifies N statements with the product's
 * classifier, optionally after keepWasmOnBaselineCompiler(), and prints one JSON line with the
 * RSS the parser added and the time per statement of the last quarter (warm).
 */
import { readFileSync } from 'node:fs';
import { keepWasmOnBaselineCompiler } from '../../broker/runtime/wasm-baseline-compiler.ts';
import { classifySql, emptyClassifyContext, initSqlParser } from '../../shared/sql/classify.ts';

const [mode, countText] = process.argv.slice(2);
const statements = Number(countText ?? '80000');
if (mode === 'baseline') keepWasmOnBaselineCompiler();

function rssMb(): number {
  const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return line === null ? Number.NaN : Number(line[1]) / 1024;
}

const before = rssMb();
await initSqlParser();
const context = emptyClassifyContext();
const warmFrom = Math.floor((statements * 3) / 4);
let warmStart = 0;
for (let i = 0; i < statements; i++) {
  if (i === warmFrom) warmStart = performance.now();
  const result = classifySql(`select abalance from pgbench_accounts where aid = ${i}`, context);
  if (!result.ok) throw new Error(result.error);
}
const warmMicros = ((performance.now() - warmStart) * 1000) / (statements - warmFrom);
process.stdout.write(`${JSON.stringify({ mode, addedRssMb: rssMb() - before, warmMicrosPerStatement: warmMicros })}\n`);
