/**
 * Builds one typed message. Sizes are computed up front so a message is a single allocation;
 * the proxy writes few messages of its own, but DataRow rewriting under masking is hot.
 */
export class MessageBuilder {
  private parts: Buffer[] = [];
  private size = 0;

  int8(v: number): this {
    const b = Buffer.allocUnsafe(1);
    b[0] = v;
    return this.push(b);
  }

  int16(v: number): this {
    const b = Buffer.allocUnsafe(2);
    b.writeInt16BE(v, 0);
    return this.push(b);
  }

  int32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(v, 0);
    return this.push(b);
  }

  uint32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(v, 0);
    return this.push(b);
  }

  cstring(s: string): this {
    const b = Buffer.from(s + '\0', 'utf8');
    return this.push(b);
  }

  bytes(b: Buffer): this {
    return this.push(b);
  }

  /** The finished frame: type byte, length word, payload. */
  build(type: number): Buffer {
    const out = Buffer.allocUnsafe(5 + this.size);
    out[0] = type;
    out.writeUInt32BE(4 + this.size, 1);
    let o = 5;
    for (const p of this.parts) {
      p.copy(out, o);
      o += p.length;
    }
    return out;
  }

  private push(b: Buffer): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }
}
