import net from 'node:net';
import { serialize } from 'pg-protocol';
import { FrameReader } from '../../broker/pg/protocol/frame-reader.ts';
import { decodeAuthentication, decodeNoticeFields } from '../../broker/pg/protocol/backend-decoders.ts';
import { ScramClientSession } from '../../broker/pg/auth/scram-client.ts';

/**
 * A PostgreSQL client at the byte level, for tests that must send what no driver would:
 * garbage, impossible lengths, half messages. It logs in like a driver (cleartext or
 * SCRAM-SHA-256) and then lets the test write any bytes and read backend frames one by one.
 */

export interface BackendMessage {
  /** The message type as a character, e.g. 'E' for ErrorResponse. */
  type: string;
  payload: Buffer;
}

export interface LoginOptions {
  user: string;
  password: string;
  database: string;
  applicationName?: string;
}

/** An ErrorResponse received where the test did not expect one; `fields` are keyed by code letter. */
export class ServerError extends Error {
  constructor(readonly fields: Map<string, string>) {
    super(`${fields.get('S') ?? '?'} ${fields.get('C') ?? '?'}: ${fields.get('M') ?? ''}`);
    this.name = 'ServerError';
  }

  get sqlstate(): string {
    return this.fields.get('C') ?? '';
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;

export class RawPgConnection {
  private readonly frames = new FrameReader({ maxMessageBytes: 64 * 1024 * 1024, peer: 'server' });
  private readonly inbox: BackendMessage[] = [];
  private waiter: (() => void) | null = null;
  private ended = false;
  private readError: Error | null = null;
  /** Resolves once the socket is fully closed, by either side. */
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const f of this.frames.push(chunk)) this.inbox.push({ type: String.fromCharCode(f.type), payload: Buffer.from(f.payload) });
      } catch (e) {
        this.readError = e as Error;
        socket.destroy();
      }
      this.wake();
    });
    // A reset after the server's FATAL is normal for these tests; what matters is what was read.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawPgConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.setNoDelay(true);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawPgConnection(socket));
      });
    });
  }

  /** Connects and logs in; throws ServerError if the server refuses. */
  static async login(port: number, o: LoginOptions): Promise<RawPgConnection> {
    const conn = await RawPgConnection.connect(port);
    try {
      await conn.authenticate(o);
    } catch (e) {
      conn.destroy();
      throw e;
    }
    return conn;
  }

  write(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** True once the peer has closed and every frame it sent has been read. */
  get drained(): boolean {
    return this.ended && this.inbox.length === 0;
  }

  /** The next backend message; rejects if the connection closes first or nothing arrives in time. */
  async next(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<BackendMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.inbox.shift();
      if (m !== undefined) return m;
      if (this.readError !== null) throw this.readError;
      if (this.ended) throw new Error('connection closed before the next message');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Reads messages until an ErrorResponse and returns its fields, with the types read before it. */
  async nextError(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<{ fields: Map<string, string>; before: string[] }> {
    const before: string[] = [];
    for (;;) {
      const m = await this.next(timeoutMs);
      if (m.type === 'E') return { fields: decodeNoticeFields(m.payload), before };
      before.push(m.type);
    }
  }

  /** Waits for the server to close the connection; rejects if it stays open longer than `timeoutMs`. */
  async expectClosed(timeoutMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`connection still open after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs one simple-protocol query and returns its rows as text (null for SQL NULL). */
  async query(sql: string): Promise<(string | null)[][]> {
    this.write(serialize.query(sql));
    const rows: (string | null)[][] = [];
    let error: ServerError | null = null;
    for (;;) {
      const m = await this.next();
      switch (m.type) {
        case 'D':
          rows.push(decodeTextRow(m.payload));
          break;
        case 'E':
          error = new ServerError(decodeNoticeFields(m.payload));
          break;
        case 'Z':
          if (error !== null) throw error;
          return rows;
        default:
          break;
      }
    }
  }

  /** Sends Terminate and waits for the server to close. */
  async terminate(): Promise<void> {
    this.socket.end(serialize.end());
    await this.expectClosed();
  }

  private async authenticate(o: LoginOptions): Promise<void> {
    const params: Record<string, string> = { user: o.user, database: o.database };
    if (o.applicationName !== undefined) params['application_name'] = o.applicationName;
    this.write(serialize.startup(params));
    let scram: ScramClientSession | null = null;
    for (;;) {
      const m = await this.next();
      switch (m.type) {
        case 'R': {
          const auth = decodeAuthentication(m.payload);
          switch (auth.kind) {
            case 'ok':
              break;
            case 'cleartext':
              this.write(serialize.password(o.password));
              break;
            case 'sasl':
              scram = new ScramClientSession(o.password);
              if (scram.chooseMechanism(auth.mechanisms) === null) throw new Error(`no usable SASL mechanism in ${auth.mechanisms.join(', ')}`);
              this.write(serialize.sendSASLInitialResponseMessage('SCRAM-SHA-256', scram.clientFirst().toString('utf8')));
              break;
            case 'sasl-continue':
              if (scram === null) throw new Error('SASLContinue before SASL');
              this.write(serialize.sendSCRAMClientFinalMessage(scram.handleServerFirst(auth.data).toString('utf8')));
              break;
            case 'sasl-final':
              if (scram === null) throw new Error('SASLFinal before SASL');
              scram.verifyServerFinal(auth.data);
              break;
            case 'md5':
            case 'unsupported':
              throw new Error(`authentication method ${auth.kind} is not supported by the raw test client`);
            default:
              return auth satisfies never;
          }
          break;
        }
        case 'E':
          throw new ServerError(decodeNoticeFields(m.payload));
        case 'Z':
          if (scram !== null && !scram.verified) throw new Error('server became ready without proving it knows the secret');
          return;
        default:
          // ParameterStatus, BackendKeyData, NegotiateProtocolVersion, notices: not needed here.
          break;
      }
    }
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
}

function decodeTextRow(payload: Buffer): (string | null)[] {
  const count = payload.readInt16BE(0);
  const values: (string | null)[] = [];
  let o = 2;
  for (let i = 0; i < count; i++) {
    const len = payload.readInt32BE(o);
    o += 4;
    if (len < 0) {
      values.push(null);
    } else {
      values.push(payload.toString('utf8', o, o + len));
      o += len;
    }
  }
  return values;
}

/** User, secret and database of a proxy's `postgres://` URL, for RawPgConnection.login. */
export function credentialsOf(url: string): { user: string; password: string; database: string } {
  const u = new URL(url);
  return { user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: decodeURIComponent(u.pathname.slice(1)) };
}
