import { randomInt } from 'node:crypto';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { PGliteInterface } from '@electric-sql/pglite';
import { AuthRateLimiter } from '../../broker/pg/auth/auth-rate-limiter.ts';
import { makeScramVerifier } from '../../broker/pg/auth/scram-server.ts';
import { backend } from '../../broker/pg/protocol/backend-messages.ts';
import { ProtocolError } from '../../broker/pg/protocol/protocol-error.ts';
import { PgliteSessionGate } from './pglite-session-gate.ts';
import { loadStatementParser } from './pglite-statement-checks.ts';
import { acceptWireClient, WireRefusal } from './pglite-wire-handshake.ts';
import type { WireCredentials } from './pglite-wire-handshake.ts';
import { PgliteWireSession, stoppedMessage } from './pglite-wire-session.ts';

/**
 * An embedded PGlite database served over the PostgreSQL wire protocol on 127.0.0.1, for
 * machines without PostgreSQL: the demo's target database, reached by the broker like any
 * other server. No TLS (SSLRequest is answered 'N'; the bytes never leave the machine), one
 * user and one database, SCRAM-SHA-256 with the password given. PGlite has a single backend,
 * which the connections share a batch at a time (see pglite-wire-session.ts).
 */

export const PGLITE_WIRE_HOST = '127.0.0.1';

export interface PgliteWireServerOptions {
  /** Opened (and later closed) by the caller; the server only runs protocol messages on it. */
  db: PGliteInterface;
  user: string;
  database: string;
  password: string;
  /** 0 (the default): any free port. A taken port rejects with EADDRINUSE. */
  port?: number;
  log?: (line: string) => void;
}

export interface PgliteWireServer {
  host: string;
  port: number;
  /** The ParameterStatus values every client is sent after authenticating. */
  parameters: ReadonlyMap<string, string>;
  /** Connections now open. */
  connectionCount(): number;
  /** Stops listening, ends every connection (rolling back what it had open) and waits for them. */
  stop(): Promise<void>;
}

const HANDSHAKE_TIMEOUT_MS = 10_000;
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const STOP_TIMEOUT_MS = 10_000;

/** What PostgreSQL reports at startup (GUC_REPORT), read from PGlite so clients see its real values. */
const REPORTED_SETTINGS = [
  'server_version', 'server_encoding', 'client_encoding', 'DateStyle', 'IntervalStyle', 'TimeZone', 'integer_datetimes',
  'standard_conforming_strings', 'is_superuser', 'session_authorization', 'application_name', 'default_transaction_read_only',
  'in_hot_standby', 'search_path', 'scram_iterations',
];

async function reportedParameters(db: PGliteInterface): Promise<Map<string, string>> {
  const result = await db.query<{ name: string; value: string | null }>(
    'select name, current_setting(name, true) as value from unnest($1::text[]) as name',
    [REPORTED_SETTINGS],
  );
  const parameters = new Map<string, string>();
  for (const row of result.rows) if (row.value !== null) parameters.set(row.name, row.value);
  return parameters;
}

/** What this client is told for one setting: its own application name, and who it is. */
function sessionValue(name: string, value: string, startup: ReadonlyMap<string, string>, user: string): string {
  if (name === 'application_name') return startup.get('application_name') ?? value;
  if (name === 'session_authorization' && value === '') return user;
  return value;
}

function listen(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    server.listen(port, PGLITE_WIRE_HOST, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startPgliteWireServer(options: PgliteWireServerOptions): Promise<PgliteWireServer> {
  const log = options.log ?? (() => undefined);
  await loadStatementParser();
  const parameters = await reportedParameters(options.db);
  const credentials: WireCredentials = { user: options.user, database: options.database, verifier: makeScramVerifier(options.password) };
  const gate = new PgliteSessionGate();
  const limiter = new AuthRateLimiter();
  const sockets = new Set<net.Socket>();
  const sessions = new Set<PgliteWireSession>();
  const finished = new Set<Promise<void>>();
  let nextConnectionId = 1;
  let stopping = false;

  const serve = async (raw: net.Socket, connectionId: number): Promise<void> => {
    raw.setNoDelay(true);
    raw.on('error', () => undefined);
    let handshake;
    try {
      handshake = await acceptWireClient(raw, { credentials, rateLimiter: limiter, timeoutMs: HANDSHAKE_TIMEOUT_MS, maxMessageBytes: MAX_MESSAGE_BYTES });
    } catch (e) {
      if (!(e instanceof WireRefusal || e instanceof ProtocolError)) throw e;
      log(`connection ${connectionId} refused: ${e.message}`);
      if (!raw.destroyed) raw.end(backend.errorResponse({ severity: 'FATAL', code: e.sqlstate, message: e.message }));
      setTimeout(() => raw.destroy(), 1_000).unref();
      return;
    }
    if (handshake.kind === 'cancel') {
      log(`cancel request for connection ${handshake.processId} ignored: PGlite cannot interrupt a running statement`);
      return;
    }
    if (stopping || gate.broken !== null) {
      const message = gate.broken === null ? 'the demo database is shutting down' : stoppedMessage(gate.broken);
      raw.end(backend.errorResponse({ severity: 'FATAL', code: gate.broken === null ? '57P01' : '57P03', message }));
      return;
    }
    const greeting = [backend.authenticationOk()];
    for (const [name, value] of parameters) greeting.push(backend.parameterStatus(name, sessionValue(name, value, handshake.params, options.user)));
    // The key is never checked: cancel requests are only logged.
    greeting.push(backend.backendKeyData(connectionId, randomInt(0x7fffffff)), backend.readyForQuery('I'));
    raw.write(Buffer.concat(greeting));
    const session = new PgliteWireSession(raw, handshake.reader, handshake.pending, { db: options.db, gate, connectionId, log });
    sessions.add(session);
    log(`connection ${connectionId} opened (${handshake.params.get('application_name') ?? 'no application_name'})`);
    try {
      await session.run();
    } finally {
      sessions.delete(session);
      log(`connection ${connectionId} closed`);
    }
  };

  const server = net.createServer((raw) => {
    if (stopping) {
      raw.destroy();
      return;
    }
    const connectionId = nextConnectionId++;
    sockets.add(raw);
    raw.once('close', () => sockets.delete(raw));
    const done = serve(raw, connectionId).catch((e: unknown) => {
      log(`connection ${connectionId} failed: ${(e as Error).message}`);
      raw.destroy();
    });
    finished.add(done);
    void done.finally(() => finished.delete(done));
  });
  const port = await listen(server, options.port ?? 0);
  log(`listening on ${PGLITE_WIRE_HOST}:${port}`);

  let stopped: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    stopping = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const session of sessions) session.close();
    for (const socket of sockets) socket.destroy();
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS).unref());
    await Promise.race([Promise.all([closed, ...finished]), timeout]);
    log('stopped');
  };
  return {
    host: PGLITE_WIRE_HOST,
    port,
    parameters,
    connectionCount: () => sockets.size,
    stop: () => (stopped ??= stop()),
  };
}
