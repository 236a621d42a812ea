import { z } from 'zod';

/*
 * zod probes for eval with `new Function("")` when it builds an object schema. The renderer's CSP
 * forbids eval, and the browser reports even that caught probe as a CSP violation (a console
 * error) on every load. jitless skips the probe; it must run before any schema is built, so
 * main.tsx imports this module first.
 */
z.config({ jitless: true });
