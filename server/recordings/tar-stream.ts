/*
 * A minimal POSIX ustar writer: regular files only, streamed. Each file's size must be known
 * before its content, which is checked as it streams.
 */

const BLOCK = 512;

export interface TarFile {
  /** Up to 100 bytes: no directories are needed for a flat bundle. */
  name: string;
  size: number;
  mtime: Date;
  content: Iterable<Buffer> | AsyncIterable<Buffer>;
}

function writeOctal(header: Buffer, offset: number, length: number, value: number): void {
  // length - 1 digits and a NUL terminator.
  header.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'ascii');
}

export function tarHeader(name: string, size: number, mtime: Date): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length > 100) throw new RangeError(`tar entry name too long: ${name}`);
  if (!Number.isSafeInteger(size) || size < 0 || size >= 8 ** 11) throw new RangeError(`tar entry too large: ${size}`);
  const header = Buffer.alloc(BLOCK);
  nameBytes.copy(header, 0);
  writeOctal(header, 100, 8, 0o644);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  writeOctal(header, 124, 12, size);
  writeOctal(header, 136, 12, Math.floor(mtime.getTime() / 1000));
  header.write('0', 156, 1, 'ascii');
  header.write('ustar\0', 257, 6, 'ascii');
  header.write('00', 263, 2, 'ascii');
  // The checksum is computed with its own field taken as eight spaces.
  header.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return header;
}

/** The archive: each file's header, content and padding, then the two zero blocks that end it. */
export async function* tarStream(files: Iterable<TarFile> | AsyncIterable<TarFile>): AsyncGenerator<Buffer> {
  for await (const file of files) {
    yield tarHeader(file.name, file.size, file.mtime);
    let written = 0;
    for await (const part of file.content) {
      written += part.length;
      if (written > file.size) throw new Error(`tar entry ${file.name} is longer than its declared ${file.size} bytes`);
      yield part;
    }
    if (written !== file.size) throw new Error(`tar entry ${file.name} has ${written} bytes, declared ${file.size}`);
    const padding = (BLOCK - (file.size % BLOCK)) % BLOCK;
    if (padding > 0) yield Buffer.alloc(padding);
  }
  yield Buffer.alloc(2 * BLOCK);
}
