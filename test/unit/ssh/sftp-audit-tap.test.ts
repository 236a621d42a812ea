import { describe, expect, it } from 'vitest';
import { SftpAuditTap, SftpTapError, type SftpFileRecord } from '../../../broker/ssh/sftp-audit-tap.ts';

/** SFTP wire encoding, enough to build the packets a client and server exchange. */
function str(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}
function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}
function u64(value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(value));
  return b;
}
function packet(type: number, ...fields: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from([type]), ...fields]);
  return Buffer.concat([u32(body.length), body]);
}
const NO_ATTRS = u32(0);
const handle = Buffer.from([0, 1, 2, 3]);

function tapped(): { tap: SftpAuditTap; records: SftpFileRecord[] } {
  const records: SftpFileRecord[] = [];
  return { tap: new SftpAuditTap((record) => records.push(record)), records };
}

describe('SftpAuditTap', () => {
  it('reports an upload with its path and bytes on close, however the stream is cut', () => {
    const { tap, records } = tapped();
    const init = packet(1, u32(3));
    const open = packet(3, u32(1), str('/srv/data/report.csv'), u32(0x02 | 0x08 | 0x10), NO_ATTRS);
    const rest = Buffer.concat([
      packet(6, u32(2), str(handle), u64(0), str(Buffer.alloc(70_000, 1))),
      packet(6, u32(3), str(handle), u64(70_000), str(Buffer.alloc(30_000, 2))),
      packet(4, u32(4), str(handle)),
    ]);
    tap.fromServer(packet(2, u32(3)));
    // The OPEN arrives split, then the HANDLE reply, then the rest in odd-sized pieces.
    tap.fromClient(Buffer.concat([init, open.subarray(0, 7)]));
    tap.fromClient(open.subarray(7));
    tap.fromServer(packet(102, u32(1), str(handle)));
    for (let at = 0; at < rest.length; at += 997) tap.fromClient(rest.subarray(at, Math.min(rest.length, at + 997)));
    expect(records).toEqual([{ op: 'upload', path: '/srv/data/report.csv', bytes: 100_000 }]);
  });

  it('reports a download from the DATA replies to READ requests', () => {
    const { tap, records } = tapped();
    tap.fromClient(packet(3, u32(7), str('/etc/hosts'), u32(0x01), NO_ATTRS));
    tap.fromServer(packet(102, u32(7), str(handle)));
    tap.fromClient(packet(5, u32(8), str(handle), u64(0), u32(32_768)));
    tap.fromServer(packet(103, u32(8), str(Buffer.alloc(1_234))));
    tap.fromClient(packet(5, u32(9), str(handle), u64(1_234), u32(32_768)));
    tap.fromServer(packet(101, u32(9), u32(1), str('EOF'), str('')));
    tap.fromClient(packet(4, u32(10), str(handle)));
    expect(records).toEqual([{ op: 'download', path: '/etc/hosts', bytes: 1_234 }]);
  });

  it('reports removes, renames and directories only when the server says OK', () => {
    const { tap, records } = tapped();
    tap.fromClient(packet(13, u32(1), str('/tmp/a')));
    tap.fromServer(packet(101, u32(1), u32(0), str(''), str('')));
    tap.fromClient(packet(13, u32(2), str('/tmp/missing')));
    tap.fromServer(packet(101, u32(2), u32(2), str('No such file'), str('')));
    tap.fromClient(packet(18, u32(3), str('/tmp/b'), str('/tmp/c')));
    tap.fromServer(packet(101, u32(3), u32(0), str(''), str('')));
    tap.fromClient(packet(200, u32(4), str('posix-rename@openssh.com'), str('/tmp/c'), str('/tmp/d')));
    tap.fromServer(packet(101, u32(4), u32(0), str(''), str('')));
    tap.fromClient(packet(14, u32(5), str('/tmp/dir'), NO_ATTRS));
    tap.fromServer(packet(101, u32(5), u32(0), str(''), str('')));
    tap.fromClient(packet(15, u32(6), str('/tmp/dir')));
    tap.fromServer(packet(101, u32(6), u32(0), str(''), str('')));
    expect(records).toEqual([
      { op: 'remove', path: '/tmp/a', bytes: 0 },
      { op: 'rename', path: '/tmp/b', target: '/tmp/c', bytes: 0 },
      { op: 'rename', path: '/tmp/c', target: '/tmp/d', bytes: 0 },
      { op: 'mkdir', path: '/tmp/dir', bytes: 0 },
      { op: 'rmdir', path: '/tmp/dir', bytes: 0 },
    ]);
  });

  it('reports files still open when the channel ends', () => {
    const { tap, records } = tapped();
    tap.fromClient(packet(3, u32(1), str('/tmp/partial'), u32(0x02 | 0x08), NO_ATTRS));
    tap.fromServer(packet(102, u32(1), str(handle)));
    tap.fromClient(packet(6, u32(2), str(handle), u64(0), str(Buffer.alloc(10))));
    tap.finish();
    expect(records).toEqual([{ op: 'upload', path: '/tmp/partial', bytes: 10 }]);
  });

  it('refuses a stream it cannot follow', () => {
    const { tap } = tapped();
    expect(() => tap.fromClient(u32(50 * 1024 * 1024))).toThrow(SftpTapError);
    const { tap: other } = tapped();
    expect(() => other.fromClient(packet(3, u32(1), u32(999)))).toThrow(/truncated/);
  });
});
