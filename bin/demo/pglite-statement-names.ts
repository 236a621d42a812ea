import type { Frame } from '../../broker/pg/protocol/frame-reader.ts';
import { FrontendCode } from '../../broker/pg/protocol/message-codes.ts';
import { MessageBuilder } from '../../broker/pg/protocol/message-builder.ts';
import { ProtocolError } from '../../broker/pg/protocol/protocol-error.ts';

/**
 * Every connection of the PGlite wire server shares one backend, and with it one namespace of
 * protocol-level prepared statements and portals: two drivers that both name a statement "s1"
 * would collide. Each connection's names get a prefix of its own on the way in, and the
 * statements it prepared are closed when it goes away. Unnamed ones are left alone: they live
 * only until the next Parse or Bind, inside the batch that uses them.
 */

const STATEMENT = 0x53; // 'S'

function cstringEnd(payload: Buffer, from: number): number {
  const end = payload.indexOf(0, from);
  if (end < 0) throw new ProtocolError('unterminated string in a frontend message');
  return end;
}

export class ConnectionStatementNames {
  private readonly prefix: string;
  private readonly prepared = new Set<string>();

  constructor(connectionId: number) {
    this.prefix = `gh${connectionId}_`;
  }

  /** The frame as the shared backend must see it; frames that name nothing come back as they are. */
  rename(frame: Frame): Buffer {
    const p = frame.payload;
    switch (frame.type) {
      case FrontendCode.Parse: {
        const end = cstringEnd(p, 0);
        const name = p.toString('utf8', 0, end);
        if (name !== '') this.prepared.add(name);
        return this.rebuild(frame.type, [this.named(name)], p.subarray(end + 1));
      }
      case FrontendCode.Bind: {
        const portalEnd = cstringEnd(p, 0);
        const statementEnd = cstringEnd(p, portalEnd + 1);
        const portal = p.toString('utf8', 0, portalEnd);
        const statement = p.toString('utf8', portalEnd + 1, statementEnd);
        return this.rebuild(frame.type, [this.named(portal), this.named(statement)], p.subarray(statementEnd + 1));
      }
      case FrontendCode.Execute: {
        const end = cstringEnd(p, 0);
        return this.rebuild(frame.type, [this.named(p.toString('utf8', 0, end))], p.subarray(end + 1));
      }
      case FrontendCode.Describe:
      case FrontendCode.Close: {
        if (p.length < 2) throw new ProtocolError('Describe/Close without a target');
        const end = cstringEnd(p, 1);
        const name = p.toString('utf8', 1, end);
        if (frame.type === FrontendCode.Close && p[0] === STATEMENT) this.prepared.delete(name);
        return new MessageBuilder().int8(p[0]!).cstring(this.named(name)).bytes(p.subarray(end + 1)).build(frame.type);
      }
      default:
        return frame.raw;
    }
  }

  /** Close messages for the statements this connection left prepared (the caller adds Sync). */
  closeAll(): Buffer[] {
    const frames = [...this.prepared].map((name) => new MessageBuilder().int8(STATEMENT).cstring(this.named(name)).build(FrontendCode.Close));
    this.prepared.clear();
    return frames;
  }

  private named(name: string): string {
    return name === '' ? '' : `${this.prefix}${name}`;
  }

  private rebuild(type: number, names: string[], rest: Buffer): Buffer {
    const builder = new MessageBuilder();
    for (const name of names) builder.cstring(name);
    return builder.bytes(rest).build(type);
  }
}
