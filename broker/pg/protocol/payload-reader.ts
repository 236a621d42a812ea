import { ProtocolError } from './protocol-error.ts';

/**
 * A bounds-checked cursor over one message payload. Every read that would run past the end
 * throws ProtocolError, so a lying length or count in a peer's message can never make the
 * parser read foreign memory, loop, or allocate without bound.
 */
export class PayloadReader {
  private offset = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  int8(): number {
    this.need(1);
    return this.buf[this.offset++]!;
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  /** A NUL-terminated UTF-8 string. */
  cstring(): string {
    const end = this.buf.indexOf(0, this.offset);
    if (end < 0) throw new ProtocolError(`${this.what}: string is not NUL-terminated`);
    const s = this.buf.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return s;
  }

  bytes(n: number): Buffer {
    if (n < 0) throw new ProtocolError(`${this.what}: negative length ${n}`);
    this.need(n);
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }

  rest(): Buffer {
    const b = this.buf.subarray(this.offset);
    this.offset = this.buf.length;
    return b;
  }

  /** A count that announces `itemBytes` or more per item must fit in what is left. */
  count16(itemBytes: number): number {
    const n = this.int16();
    if (n < 0) throw new ProtocolError(`${this.what}: negative count ${n}`);
    if (n * itemBytes > this.remaining) throw new ProtocolError(`${this.what}: count ${n} exceeds message size`);
    return n;
  }

  end(): void {
    if (this.offset !== this.buf.length) {
      throw new ProtocolError(`${this.what}: ${this.buf.length - this.offset} unexpected trailing bytes`);
    }
  }

  private need(n: number): void {
    if (this.offset + n > this.buf.length) throw new ProtocolError(`${this.what}: message truncated`);
  }
}
