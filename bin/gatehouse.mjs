#!/usr/bin/env node
// The CLI is TypeScript; tsx compiles it on load so the bin works from a plain checkout.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

register();
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { buildProgram, runProgram } = await import(join(root, 'broker', 'cli', 'main.ts'));
// The broker never imports the server (architecture arrows); the bin is where both meet.
const { registerServerCommand } = await import(join(root, 'server', 'cli', 'server-command.ts'));
const program = buildProgram();
registerServerCommand(program);
await runProgram(program, process.argv);
