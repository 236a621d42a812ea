#!/usr/bin/env node
// The CLI is TypeScript; tsx compiles it on load so the bin works from a plain checkout.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

register();
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { runCli } = await import(join(root, 'broker', 'cli', 'main.ts'));
await runCli(process.argv);
