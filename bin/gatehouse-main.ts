// The composition root of the `gatehouse` command: the broker's commands and the server's meet
// here, so that neither process folder imports the other.
import { buildProgram, runProgram } from '../broker/cli/main.ts';
import { registerServerCommand } from '../server/cli/server-command.ts';
import { registerDemoCommand } from './demo/demo-command.ts';
import { keepWasmOnBaselineCompiler } from '../broker/runtime/wasm-baseline-compiler.ts';
import { keepOldGenerationHeadroom } from '../broker/runtime/old-generation-headroom.ts';

keepWasmOnBaselineCompiler();
keepOldGenerationHeadroom();

const program = await buildProgram(process.argv);
registerServerCommand(program);
registerDemoCommand(program);
await runProgram(program, process.argv);
