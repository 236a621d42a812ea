/**
 * A violation of the PostgreSQL wire protocol by a peer. It carries the SQLSTATE the proxy
 * reports to the client before closing the affected connection (08P01 protocol_violation
 * unless a more precise code applies), so bad input always ends with a clear error.
 */
export class ProtocolError extends Error {
  readonly sqlstate: string;
  constructor(message: string, sqlstate = '08P01') {
    super(message);
    this.name = 'ProtocolError';
    this.sqlstate = sqlstate;
  }
}
