import { setFlagsFromString } from 'node:v8';

/**
 * Keeps WebAssembly on V8's baseline compiler (Liftoff). The SQL parser is a large WebAssembly
 * module; by default V8 recompiles its hot functions with TurboFan on background threads,
 * which in a proxy costs resident memory and CPU taken from the statements being relayed.
 * `npm run bench:parser` measures both ways: the baseline compiler keeps 79–121 MB less RSS
 * after 80k–200k classified statements, at ×0.9–×1.7 the time per statement (noisy; most runs
 * near ×1.0). A proxy is held to a memory budget. Must run before the module is compiled,
 * that is before the first initSqlParser().
 */
export function keepWasmOnBaselineCompiler(): void {
  setFlagsFromString('--liftoff-only');
}
