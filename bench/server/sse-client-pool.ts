import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { createParser } from 'eventsource-parser';

interface StreamClient {
  request: http.ClientRequest;
  /** The first byte of the body (the server's `: connected` comment) has arrived. */
  connected: boolean;
  closed: boolean;
  /** When the awaited event type arrived on this stream, if it has. */
  eventAt: number | null;
}

interface Expectation {
  type: string;
  remaining: number;
  resolve: () => void;
}

/**
 * Many GET /v1/events streams from one process over plain `http` with a keep-alive agent:
 * a stream counts as connected on its first body byte, and each stream records when a given
 * event type first reaches it. The parser per stream keeps event boundaries right whatever
 * the chunking.
 */
export class SseClientPool {
  private readonly clients: StreamClient[] = [];
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  private expectation: Expectation | null = null;
  private readonly failures: string[] = [];
  private closing = false;

  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  get connectedCount(): number {
    return this.clients.filter((c) => c.connected && !c.closed).length;
  }

  /** Stream errors and early ends so far (the first few). */
  get errors(): readonly string[] {
    return this.failures;
  }

  /**
   * Opens `count` streams, at most `concurrency` connecting at a time (more would overflow the
   * server's accept backlog and turn into SYN retries a second later), and resolves once every
   * one of them is connected.
   */
  async open(count: number, concurrency: number, timeoutMs: number): Promise<void> {
    let next = 0;
    const deadline = Date.now() + timeoutMs;
    const worker = async (): Promise<void> => {
      while (next < count) {
        next += 1;
        await this.openOne(Math.max(1, deadline - Date.now()));
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  }

  /** Resolves once every stream still open has received an event of `type`; arm it before causing the event. */
  expectEverywhere(type: string): Promise<void> {
    for (const client of this.clients) client.eventAt = null;
    return new Promise((resolve) => {
      this.expectation = { type, remaining: this.clients.filter((c) => !c.closed).length, resolve };
      if (this.expectation.remaining === 0) resolve();
    });
  }

  /** Arrival times of the awaited event, one per stream that received it. */
  arrivalTimes(): number[] {
    return this.clients.flatMap((c) => (c.eventAt === null ? [] : [c.eventAt]));
  }

  close(): void {
    this.closing = true;
    for (const client of this.clients) client.request.destroy();
    this.agent.destroy();
  }

  private keepFailure(message: string): void {
    if (!this.closing && this.failures.length < 5) this.failures.push(message);
  }

  private openOne(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const request = http.request(`${this.baseUrl}/v1/events`, {
        agent: this.agent,
        headers: { authorization: `Bearer ${this.token}`, accept: 'text/event-stream', 'cache-control': 'no-cache' },
      });
      const client: StreamClient = { request, connected: false, closed: false, eventAt: null };
      this.clients.push(client);
      const timer = setTimeout(() => {
        request.destroy();
        reject(new Error(`an event stream did not connect within ${timeoutMs} ms`));
      }, timeoutMs);
      const ended = (why: string): void => {
        if (client.closed) return;
        client.closed = true;
        clearTimeout(timer);
        if (!client.connected) reject(new Error(`an event stream failed before connecting: ${why}`));
        else this.keepFailure(`an event stream ended: ${why}`);
        this.onClientGone();
      };
      request.on('error', (error) => ended(error.message));
      request.on('response', (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          ended(`HTTP ${response.statusCode}`);
          return;
        }
        const parser = createParser({ onEvent: (message) => this.onEvent(client, message.data) });
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (!client.connected) {
            client.connected = true;
            clearTimeout(timer);
            resolve();
          }
          parser.feed(chunk);
        });
        response.on('close', () => ended('the server closed the stream'));
      });
      request.end();
    });
  }

  private onEvent(client: StreamClient, data: string): void {
    const expectation = this.expectation;
    if (expectation === null || client.eventAt !== null) return;
    let type: unknown;
    try {
      type = (JSON.parse(data) as { type?: unknown }).type;
    } catch {
      this.keepFailure(`an event that is not JSON: ${data.slice(0, 80)}`);
      return;
    }
    if (type !== expectation.type) return;
    client.eventAt = performance.now();
    expectation.remaining -= 1;
    if (expectation.remaining === 0) expectation.resolve();
  }

  /** A stream that ends while an event is awaited will never receive it: stop waiting for it. */
  private onClientGone(): void {
    const expectation = this.expectation;
    if (expectation === null) return;
    expectation.remaining = this.clients.filter((c) => !c.closed && c.eventAt === null).length;
    if (expectation.remaining === 0) expectation.resolve();
  }
}
