import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { parseSegmentSeq } from './spool-segments.ts';
import { writeFileAtomically } from '../fs/write-file-atomically.ts';

export const SHIPPED_CURSOR_FILE = 'shipped.json';

const shippedCursorSchema = z.object({
  version: z.literal(1),
  /** File name of the segment being shipped, e.g. `spool-000000000003.jsonl`. */
  segment: z.string().refine((name) => parseSegmentSeq(name) !== undefined, 'a spool segment file name'),
  /** Bytes of `segment` the server has acknowledged; always the start of a line. */
  offset: z.number().int().nonnegative(),
});

export interface ShippedPosition {
  segment: string;
  offset: number;
}

/** undefined when nothing was ever shipped; throws if the file exists but is not a cursor. */
export async function readShippedCursor(spoolDir: string): Promise<ShippedPosition | undefined> {
  let text: string;
  try {
    text = await readFile(join(spoolDir, SHIPPED_CURSOR_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const { segment, offset } = shippedCursorSchema.parse(JSON.parse(text));
  return { segment, offset };
}

/**
 * Replaces the cursor atomically and durably: a crash leaves either the old cursor or the new
 * one, never a torn file, and a written cursor survives a power loss.
 */
export async function writeShippedCursor(spoolDir: string, position: ShippedPosition): Promise<void> {
  await writeFileAtomically(join(spoolDir, SHIPPED_CURSOR_FILE), `${JSON.stringify({ version: 1, ...position })}\n`);
}
