import { serialize } from 'pg-protocol';
import type { Frame } from '../protocol/frame-reader.ts';
import { BackendCode } from '../protocol/message-codes.ts';
import { decodeDataRow, decodeNoticeFields, decodeRowDescription, type FieldDescription } from '../protocol/backend-decoders.ts';
import { connectUpstream, type UpstreamConnection } from './upstream-connect.ts';
import type { UpstreamConfig } from './upstream-config.ts';

/** Quotes a string as an SQL literal (the catalog session always runs with standard_conforming_strings on). */
export function sqlLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('NUL in catalog lookup');
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * A private upstream session for catalog lookups (column names behind table OIDs, function
 * volatility). It is separate from client sessions because a lookup is needed in the middle of
 * a result stream, where the client's own session is busy. Queries run one at a time.
 */
export class CatalogClient {
  private connection: Promise<UpstreamConnection> | null = null;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly upstream: UpstreamConfig) {}

  /** Runs one simple query and returns its rows as text (null for SQL NULL). */
  query(sql: string): Promise<(string | null)[][]> {
    const run = this.chain.then(() => this.run(sql));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * The row shape a query would return, without running it: Parse and Describe on the catalog
   * session. COPY (SELECT ...) TO STDOUT streams no RowDescription, so this is how its columns
   * are traced to their tables.
   */
  describe(sql: string): Promise<FieldDescription[] | null> {
    const run = this.chain.then(async () => {
      let rows: FieldDescription[] | null = null;
      await this.exchange(
        Buffer.concat([serialize.parse({ name: '', text: sql, types: [] }), serialize.describe({ type: 'S', name: '' }), serialize.sync()]),
        (f) => {
          if (f.type === BackendCode.RowDescription) rows = decodeRowDescription(f.payload);
        },
      );
      return rows;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  close(): void {
    void this.connection?.then((c) => c.socket.destroy(), () => undefined);
    this.connection = null;
  }

  private async open(): Promise<UpstreamConnection> {
    const c = await connectUpstream(this.upstream, {
      params: new Map([['application_name', 'gatehouse catalog'], ['standard_conforming_strings', 'on']]),
      maxMessageBytes: 64 * 1024 * 1024,
    });
    c.socket.on('error', () => undefined);
    c.socket.once('close', () => {
      this.connection = null;
    });
    return c;
  }

  private async run(sql: string): Promise<(string | null)[][]> {
    const rows: (string | null)[][] = [];
    await this.exchange(serialize.query(sql), (f) => {
      if (f.type === BackendCode.DataRow) rows.push(decodeDataRow(f.payload).map((v) => (v === null ? null : v.toString('utf8'))));
    });
    return rows;
  }

  /** Sends `request` and feeds every answer frame to `onFrame` until ReadyForQuery. */
  private async exchange(request: Buffer, onFrame: (f: Frame) => void): Promise<void> {
    if (this.connection === null) {
      this.connection = this.open();
      this.connection.catch(() => (this.connection = null));
    }
    const c = await this.connection;
    return new Promise((resolve, reject) => {
      let error: Error | null = null;
      const handle = (frames: Frame[]): boolean => {
        for (const f of frames) {
          if (f.type === BackendCode.ErrorResponse) error = new Error(`catalog lookup failed: ${decodeNoticeFields(f.payload).get('M') ?? ''}`);
          else if (f.type === BackendCode.ReadyForQuery) return true;
          else onFrame(f);
        }
        return false;
      };
      const onData = (chunk: Buffer): void => {
        let done: boolean;
        try {
          done = handle(c.reader.push(chunk));
        } catch (e) {
          finish(e as Error);
          return;
        }
        if (done) finish(error);
      };
      const onClose = (): void => finish(new Error('catalog connection closed'));
      const finish = (e: Error | null): void => {
        c.socket.off('data', onData);
        c.socket.off('close', onClose);
        c.socket.pause();
        if (e !== null) reject(e);
        else resolve();
      };
      if (c.pendingFrames.length > 0) handle(c.pendingFrames.splice(0));
      c.socket.on('data', onData);
      c.socket.on('close', onClose);
      c.socket.resume();
      c.socket.write(request);
    });
  }
}
