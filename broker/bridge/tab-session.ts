import pg from 'pg';
import type { Logger } from '../log.ts';
import { ANNOTATE_MASKING_SETTING } from '../policy/masking-annotation.ts';
import { sendCancelRequest } from './pg-cancel.ts';
import { ResultStream, type ResultStreamHandlers } from './result-stream.ts';

export interface NoticeFromServer {
  severity?: string | undefined;
  code?: string | undefined;
  message?: string | undefined;
  detail?: string | undefined;
  hint?: string | undefined;
}

/**
 * One tab of the query pane: a database session through the connection's local listener that
 * lives as long as the tab, so BEGIN in one run and COMMIT in the next work as in psql. Runs are
 * taken one at a time; a notice goes to whichever run is current.
 */
export class TabSession {
  private queue: Promise<unknown> = Promise.resolve();
  private noticeListener: ((notice: NoticeFromServer) => void) | null = null;
  private justificationSet = false;
  private lost = false;

  private constructor(
    readonly connection: string,
    private readonly client: pg.Client,
    private readonly listener: { host: string; port: number },
    private readonly log: Logger,
  ) {
    client.on('notice', (notice: NoticeFromServer) => this.noticeListener?.(notice));
    client.on('error', (err) => {
      this.lost = true;
      log.warn({ connection, err: err.message }, 'a query pane session was lost');
    });
    client.on('end', () => {
      this.lost = true;
    });
  }

  /** Connects and opts in to masking annotations (so masked columns can be shown as such). */
  static async open(connection: string, listenerUrl: string, log: Logger): Promise<TabSession> {
    const url = new URL(listenerUrl);
    const client = new pg.Client({ connectionString: listenerUrl, application_name: 'gatehouse-app' });
    await client.connect();
    const tab = new TabSession(connection, client, { host: url.hostname, port: Number(url.port) }, log);
    try {
      await client.query(`SET ${ANNOTATE_MASKING_SETTING} = on`);
    } catch (err) {
      // A policy that refuses SET leaves values masked all the same; the grid just cannot say which.
      log.warn({ connection, err: (err as Error).message }, 'masking annotations are not available on this connection');
    }
    return tab;
  }

  /** False once the session died (listener closed, upstream lost): the tab reconnects next time. */
  get usable(): boolean {
    return !this.lost;
  }

  /** Runs `work` after every earlier run of this tab has finished. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Sets (or clears what we set earlier) `gatehouse.justification`, which the proxy attaches to
   * approval requests. A value the user typed in SQL themselves is left alone.
   */
  async justify(justification: string | undefined): Promise<void> {
    if (justification !== undefined && justification.trim() !== '') {
      await this.client.query(`SET gatehouse.justification = ${this.client.escapeLiteral(justification)}`);
      this.justificationSet = true;
    } else if (this.justificationSet) {
      await this.client.query('RESET gatehouse.justification');
      this.justificationSet = false;
    }
  }

  /** Streams `sql`; notices meanwhile go to `onNotice`. Resolves when the stream has settled. */
  stream(sql: string, handlers: ResultStreamHandlers, onNotice: (notice: NoticeFromServer) => void): Promise<void> {
    return new Promise((resolve) => {
      this.noticeListener = onNotice;
      const settle = (): void => {
        this.noticeListener = null;
        resolve();
      };
      this.client.query(
        new ResultStream(sql, {
          ...handlers,
          failed: (error) => {
            try {
              handlers.failed(error);
            } finally {
              settle();
            }
          },
          finished: () => {
            try {
              handlers.finished();
            } finally {
              settle();
            }
          },
        }),
      );
    });
  }

  /** CancelRequest for whatever this session runs; a statement held for approval is withdrawn. */
  async cancel(): Promise<void> {
    const keys = this.client as unknown as { processID?: number; secretKey?: number };
    if (keys.processID === undefined || keys.secretKey === undefined) return;
    await sendCancelRequest(this.listener.host, this.listener.port, keys.processID, keys.secretKey);
  }

  async close(): Promise<void> {
    this.lost = true;
    await this.client.end().catch(() => undefined);
  }
}
