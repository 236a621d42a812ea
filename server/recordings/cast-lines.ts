import type { CastEvent } from '../../shared/api/recordings.ts';

/*
 * Chunks are stored as the lines they contribute to the .cast file, so exporting a recording
 * is concatenating them. JSON text never holds a raw newline (it is escaped inside strings),
 * so the lines can be split on "\n" safely.
 */

export function castLinesOf(events: readonly CastEvent[]): string {
  let text = '';
  for (const event of events) text += `${JSON.stringify(event)}\n`;
  return text;
}

export function eventsOfCastLines(lines: string): CastEvent[] {
  if (lines === '') return [];
  const body = lines.endsWith('\n') ? lines.slice(0, -1) : lines;
  // One parse of the whole chunk: far faster than one per line.
  return JSON.parse(`[${body.replaceAll('\n', ',')}]`) as CastEvent[];
}
