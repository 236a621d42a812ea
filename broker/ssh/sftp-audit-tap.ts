/**
 * Follows an SFTP (version 3) conversation passing through the proxy, without changing a
 * byte of it, to audit what happened to which file: every opened file on close (path,
 * bytes written, bytes read), and successful removes, renames, mkdirs and rmdirs.
 *
 * It reads the client's requests and the server's replies: OPEN names the path, the HANDLE
 * reply binds it to a handle, WRITE requests and DATA replies (to READ requests) carry the
 * bytes, CLOSE ends the file. A stream it cannot follow (a packet beyond the size limit, a
 * truncated field) throws SftpTapError: the proxy then stops the transfer rather than let
 * unaudited bytes through.
 */

export interface SftpFileRecord {
  op: 'upload' | 'download' | 'transfer' | 'remove' | 'rename' | 'mkdir' | 'rmdir';
  path: string;
  target?: string;
  bytes: number;
}

export class SftpTapError extends Error {}

const Fxp = {
  OPEN: 3,
  CLOSE: 4,
  READ: 5,
  WRITE: 6,
  REMOVE: 13,
  MKDIR: 14,
  RMDIR: 15,
  RENAME: 18,
  EXTENDED: 200,
  STATUS: 101,
  HANDLE: 102,
  DATA: 103,
} as const;
const FX_OK = 0;
const OPEN_WRITE_FLAGS = 0x02 | 0x04 | 0x08 | 0x10; // WRITE, APPEND, CREAT, TRUNC

// OpenSSH's sftp-server refuses packets over 256 KiB; leave room for other servers.
const DEFAULT_MAX_PACKET = 1024 * 1024;
// Outstanding requests a well-behaved client keeps in flight are a few dozen.
const MAX_PENDING = 65_536;

interface OpenFile {
  path: string;
  writeMode: boolean;
  written: number;
  read: number;
}

type PendingOp = { kind: 'open'; path: string; writeMode: boolean } | { kind: 'op'; record: SftpFileRecord } | { kind: 'read'; handle: string };

export class SftpAuditTap {
  private readonly fromClientFrames: PacketFramer;
  private readonly fromServerFrames: PacketFramer;
  private readonly pending = new Map<number, PendingOp>();
  private readonly open = new Map<string, OpenFile>();

  constructor(
    private readonly onRecord: (record: SftpFileRecord) => void,
    maxPacket = DEFAULT_MAX_PACKET,
  ) {
    this.fromClientFrames = new PacketFramer(maxPacket, (packet) => this.clientPacket(packet));
    this.fromServerFrames = new PacketFramer(maxPacket, (packet) => this.serverPacket(packet));
  }

  fromClient(chunk: Buffer): void {
    this.fromClientFrames.push(chunk);
  }

  fromServer(chunk: Buffer): void {
    this.fromServerFrames.push(chunk);
  }

  /** The channel closed: files still open are reported as they stand. */
  finish(): void {
    for (const [handle, file] of this.open) {
      this.open.delete(handle);
      this.onRecord(recordOfFile(file));
    }
    this.pending.clear();
  }

  private clientPacket(packet: Buffer): void {
    const r = new FieldReader(packet);
    const type = r.byte();
    if (type === 1) return; // INIT carries a version, not a request id
    const id = r.uint32();
    switch (type) {
      case Fxp.OPEN: {
        const path = r.text();
        const flags = r.uint32();
        this.remember(id, { kind: 'open', path, writeMode: (flags & OPEN_WRITE_FLAGS) !== 0 });
        return;
      }
      case Fxp.CLOSE: {
        const handle = r.handle();
        const file = this.open.get(handle);
        if (file === undefined) return; // a directory handle, or one we never saw opened
        this.open.delete(handle);
        this.onRecord(recordOfFile(file));
        return;
      }
      case Fxp.READ:
        this.remember(id, { kind: 'read', handle: r.handle() });
        return;
      case Fxp.WRITE: {
        const handle = r.handle();
        r.skip(8); // offset
        const length = r.uint32();
        r.skip(length);
        const file = this.open.get(handle);
        if (file !== undefined) file.written += length;
        return;
      }
      case Fxp.REMOVE:
        this.remember(id, { kind: 'op', record: { op: 'remove', path: r.text(), bytes: 0 } });
        return;
      case Fxp.MKDIR:
        this.remember(id, { kind: 'op', record: { op: 'mkdir', path: r.text(), bytes: 0 } });
        return;
      case Fxp.RMDIR:
        this.remember(id, { kind: 'op', record: { op: 'rmdir', path: r.text(), bytes: 0 } });
        return;
      case Fxp.RENAME: {
        const path = r.text();
        this.remember(id, { kind: 'op', record: { op: 'rename', path, target: r.text(), bytes: 0 } });
        return;
      }
      case Fxp.EXTENDED: {
        if (r.text() !== 'posix-rename@openssh.com') return;
        const path = r.text();
        this.remember(id, { kind: 'op', record: { op: 'rename', path, target: r.text(), bytes: 0 } });
        return;
      }
      default:
        return;
    }
  }

  private serverPacket(packet: Buffer): void {
    const r = new FieldReader(packet);
    const type = r.byte();
    if (type === 2) return; // VERSION
    const id = r.uint32();
    const request = this.pending.get(id);
    switch (type) {
      case Fxp.HANDLE: {
        const handle = r.handle();
        if (request?.kind === 'open') this.open.set(handle, { path: request.path, writeMode: request.writeMode, written: 0, read: 0 });
        this.pending.delete(id);
        return;
      }
      case Fxp.DATA: {
        const length = r.uint32();
        if (request?.kind === 'read') {
          const file = this.open.get(request.handle);
          if (file !== undefined) file.read += length;
        }
        this.pending.delete(id);
        return;
      }
      case Fxp.STATUS: {
        if (request?.kind === 'op' && r.uint32() === FX_OK) this.onRecord(request.record);
        this.pending.delete(id);
        return;
      }
      default:
        this.pending.delete(id);
        return;
    }
  }

  private remember(id: number, op: PendingOp): void {
    if (this.pending.size >= MAX_PENDING) throw new SftpTapError(`more than ${MAX_PENDING} SFTP requests without a reply`);
    this.pending.set(id, op);
  }
}

function recordOfFile(file: OpenFile): SftpFileRecord {
  const op = file.written > 0 && file.read > 0 ? 'transfer' : file.written > 0 || (file.read === 0 && file.writeMode) ? 'upload' : 'download';
  return { op, path: file.path, bytes: file.written + file.read };
}

/** Cuts a byte stream into SFTP packets (uint32 length, then that many bytes). */
class PacketFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(
    private readonly maxPacket: number,
    private readonly onPacket: (packet: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.buffered < 4) return;
      const length = this.peekLength();
      if (length === 0 || length > this.maxPacket) throw new SftpTapError(`an SFTP packet of ${length} bytes is outside what the audit follows (1..${this.maxPacket})`);
      if (this.buffered < 4 + length) return;
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
      this.onPacket(all.subarray(4, 4 + length));
      const rest = all.subarray(4 + length);
      this.chunks = rest.length === 0 ? [] : [rest];
      this.buffered = rest.length;
    }
  }

  private peekLength(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readUInt32BE(0);
    return Buffer.concat(this.chunks, this.buffered).readUInt32BE(0);
  }
}

class FieldReader {
  private offset = 0;

  constructor(private readonly packet: Buffer) {}

  byte(): number {
    this.need(1);
    return this.packet[this.offset++]!;
  }

  uint32(): number {
    this.need(4);
    const value = this.packet.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  skip(n: number): void {
    this.need(n);
    this.offset += n;
  }

  /** A string field as UTF-8 text (paths; OpenSSH sends them as the bytes the file system has). */
  text(): string {
    return this.bytes().toString('utf8');
  }

  /** Handles are opaque bytes; latin1 keeps them distinct as map keys. */
  handle(): string {
    return this.bytes().toString('latin1');
  }

  private bytes(): Buffer {
    const length = this.uint32();
    this.need(length);
    const value = this.packet.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  private need(n: number): void {
    if (this.offset + n > this.packet.length) throw new SftpTapError('a truncated SFTP packet');
  }
}
