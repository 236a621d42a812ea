import type { Connection, Submittable } from 'pg';

/** A result column as PostgreSQL's RowDescription describes it. */
export interface ResultField {
  name: string;
  tableID: number;
  columnID: number;
  dataTypeID: number;
}

/** What PostgreSQL says about a failed statement (pg's DatabaseError, or a lost connection). */
export interface ResultError {
  message: string;
  code?: string | undefined;
  detail?: string | undefined;
  hint?: string | undefined;
}

export interface ResultStreamHandlers {
  columns(fields: ResultField[]): void;
  row(values: (string | null)[]): void;
  commandComplete(tag: string): void;
  /** The statement(s) failed; nothing more comes for this stream. */
  failed(error: ResultError): void;
  /** Every statement of the text ran (ReadyForQuery). */
  finished(): void;
}

/**
 * Runs SQL text with the simple query protocol (several statements allowed, as psql sends them)
 * and hands each protocol event to the caller as it arrives. node-postgres's own Query would
 * collect every row of a result into one array; this keeps none, so a 100k-row result streams.
 */
export class ResultStream implements Submittable {
  private settled = false;

  constructor(
    readonly text: string,
    private readonly on: ResultStreamHandlers,
  ) {}

  submit(connection: Connection): void {
    connection.query(this.text);
  }

  handleRowDescription(msg: { fields: ResultField[] }): void {
    this.on.columns(msg.fields.map((f) => ({ name: f.name, tableID: f.tableID, columnID: f.columnID, dataTypeID: f.dataTypeID })));
  }

  handleDataRow(msg: { fields: (string | null)[] }): void {
    this.on.row(msg.fields);
  }

  handleCommandComplete(msg: { text: string }): void {
    this.on.commandComplete(msg.text);
  }

  handleEmptyQuery(): void {
    this.on.commandComplete('');
  }

  handlePortalSuspended(): void {
    // Only the extended protocol suspends portals; the simple protocol never does.
  }

  handleCopyInResponse(connection: Connection): void {
    // There is no file to read from in the pane: end the COPY cleanly with an error.
    (connection as unknown as { sendCopyFail(message: string): void }).sendCopyFail('COPY FROM STDIN is not supported in the query pane');
  }

  handleCopyData(msg: { chunk: Buffer }): void {
    // COPY TO STDOUT: one text line per row, shown as a single column.
    const line = msg.chunk.toString('utf8').replace(/\n$/, '');
    this.on.row([line]);
  }

  handleError(error: ResultError): void {
    if (this.settled) return;
    this.settled = true;
    this.on.failed(error);
  }

  handleReadyForQuery(): void {
    if (this.settled) return;
    this.settled = true;
    this.on.finished();
  }
}
