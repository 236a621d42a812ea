import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

// Wide enough that names sort lexically for the life of any installation (10^12 segments).
const SEQ_DIGITS = 12;
const SEGMENT_NAME = /^spool-(\d+)\.jsonl$/;

export interface SpoolSegment {
  seq: number;
  path: string;
}

export function segmentFileName(seq: number): string {
  return `spool-${String(seq).padStart(SEQ_DIGITS, '0')}.jsonl`;
}

export function parseSegmentSeq(fileName: string): number | undefined {
  const match = SEGMENT_NAME.exec(fileName);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Segments in write order; other files in the directory (probe files, notes) are ignored. */
export async function listSegments(dir: string): Promise<SpoolSegment[]> {
  const segments: SpoolSegment[] = [];
  for (const name of await readdir(dir)) {
    const seq = parseSegmentSeq(name);
    if (seq !== undefined) segments.push({ seq, path: join(dir, name) });
  }
  return segments.sort((a, b) => a.seq - b.seq);
}
