import type { CastEvent } from '../../shared/api/recordings.ts';
import { MAX_CHUNK_EVENTS } from '../../shared/api/recordings.ts';

/** An event's place in a recording: its chunk and its index within the chunk. */
export interface EventPosition {
  seq: number;
  index: number;
}

// Wider than any chunk, so (seq, index) packs into one safe integer for the API's `after`.
const POSITION_SPAN = 1_000_000;
if (POSITION_SPAN <= MAX_CHUNK_EVENTS) throw new Error('POSITION_SPAN must exceed MAX_CHUNK_EVENTS');

export function encodePosition(position: EventPosition): number {
  return position.seq * POSITION_SPAN + position.index;
}

export function decodePosition(code: number): EventPosition {
  return { seq: Math.floor(code / POSITION_SPAN), index: code % POSITION_SPAN };
}

export function comparePositions(a: EventPosition, b: EventPosition): number {
  return a.seq - b.seq || a.index - b.index;
}

/**
 * An event's time in milliseconds since the recording started. Every comparison with a `t`
 * goes through here, so an event's own time, passed back as `t`, selects that event.
 */
export function eventMs(event: CastEvent): number {
  return event[0] * 1000;
}
