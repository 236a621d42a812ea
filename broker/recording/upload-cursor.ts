import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomically } from '../fs/write-file-atomically.ts';
import { CURSOR_FILE, readJsonFile } from './recording-spool-layout.ts';

const uploadCursorSchema = z.object({
  version: z.literal(1),
  /** The server acknowledged POST /v1/recordings. */
  started: z.boolean(),
  /** Chunks 0..acknowledged-1 are stored on the server. */
  acknowledged: z.number().int().nonnegative(),
});
export type UploadCursor = z.infer<typeof uploadCursorSchema>;

export async function readUploadCursor(dir: string): Promise<UploadCursor> {
  return (await readJsonFile(join(dir, CURSOR_FILE), uploadCursorSchema)) ?? { version: 1, started: false, acknowledged: 0 };
}

/** Atomic and durable: a crash leaves the old cursor or the new one. */
export async function writeUploadCursor(dir: string, cursor: UploadCursor): Promise<void> {
  await writeFileAtomically(join(dir, CURSOR_FILE), `${JSON.stringify(uploadCursorSchema.parse(cursor))}\n`);
}
