import type { AuditEvent } from '../../shared/audit/audit-event.ts';
import { SpoolCursor, type SpoolCursorOptions } from './spool-cursor.ts';

/**
 * All events of a spool directory in write order. Lines that are not valid events — above all
 * the torn last line a crash leaves behind — are skipped (and reported to `onSkippedLine`),
 * never thrown; only a failure to read the directory itself throws.
 */
export async function* readSpool(dir: string, options: SpoolCursorOptions = {}): AsyncGenerator<AuditEvent> {
  yield* new SpoolCursor(dir, options).readAvailable();
}
