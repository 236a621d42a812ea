// libpg-query reports statement and token positions as UTF-8 byte offsets; JavaScript strings index
// UTF-16 code units. Pure-ASCII text (the common case) needs no conversion.

export class StatementText {
  private readonly bytes: Uint8Array | null;

  constructor(readonly text: string) {
    const encoded = new TextEncoder().encode(text);
    this.bytes = encoded.length === text.length ? null : encoded;
  }

  /** The text between two byte offsets; `endByte` undefined means to the end. */
  sliceBytes(startByte: number, endByte: number | undefined): string {
    if (this.bytes === null) return this.text.slice(startByte, endByte);
    return new TextDecoder().decode(this.bytes.subarray(startByte, endByte));
  }

  /** The string index of a byte offset. */
  indexOfByte(byteOffset: number): number {
    if (this.bytes === null) return byteOffset;
    return new TextDecoder().decode(this.bytes.subarray(0, byteOffset)).length;
  }
}
