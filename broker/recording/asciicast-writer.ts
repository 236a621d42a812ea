import { castHeaderSchema, formatResize } from '../../shared/api/recordings.ts';
import type { CastEvent, CastEventCode } from '../../shared/api/recordings.ts';

export interface CastHeaderInput {
  width: number;
  height: number;
  env: Record<string, string>;
  /** Unix seconds of the start. */
  timestamp: number;
}

/**
 * Turns a terminal session into asciicast v2 lines: the header, then `[seconds, code, data]`
 * events. Times are seconds since the header, to the microsecond, never going backwards.
 *
 * Output and input arrive as bytes cut anywhere, also inside a multi-byte UTF-8 character; each
 * direction has its own streaming decoder, which holds an incomplete character back until the
 * rest arrives, so every event is a valid string (invalid bytes become U+FFFD).
 */
export class AsciicastWriter {
  private readonly outputDecoder = new TextDecoder('utf-8');
  private readonly inputDecoder = new TextDecoder('utf-8');
  private startMs = 0;
  private lastSeconds = 0;

  constructor(
    /** Receives each line, newline included. */
    private readonly sink: (line: string) => void,
    /** Milliseconds from a monotonic clock. */
    private readonly clock: () => number,
  ) {}

  header(input: CastHeaderInput): void {
    this.startMs = this.clock();
    // Through the schema: the key order every copy of this header is written in.
    const header = castHeaderSchema.parse({ version: 2, width: input.width, height: input.height, timestamp: input.timestamp, env: input.env });
    this.sink(`${JSON.stringify(header)}\n`);
  }

  output(data: Uint8Array): void {
    this.text('o', this.outputDecoder.decode(data, { stream: true }));
  }

  input(data: Uint8Array): void {
    this.text('i', this.inputDecoder.decode(data, { stream: true }));
  }

  resize(cols: number, rows: number): void {
    this.event('r', formatResize(cols, rows));
  }

  marker(label: string): void {
    this.event('m', label);
  }

  /** Emits what the decoders still hold (an incomplete character becomes U+FFFD). */
  finish(): void {
    this.text('o', this.outputDecoder.decode());
    this.text('i', this.inputDecoder.decode());
  }

  private text(code: 'o' | 'i', data: string): void {
    if (data !== '') this.event(code, data);
  }

  private event(code: CastEventCode, data: string): void {
    const seconds = Math.max(this.lastSeconds, Math.round((this.clock() - this.startMs) * 1000) / 1_000_000);
    this.lastSeconds = seconds;
    const event: CastEvent = [seconds, code, data];
    this.sink(`${JSON.stringify(event)}\n`);
  }
}
