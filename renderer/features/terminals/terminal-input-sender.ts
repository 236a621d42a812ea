/**
 * Keystrokes leave in the order they were typed: while one input call is on its way, what the
 * user types next is gathered and sent as one call after it, so a paste or fast typing costs
 * few round trips and never overtakes itself.
 */
export class TerminalInputSender {
  private pending = '';
  private sending = false;
  private closed = false;

  constructor(
    private readonly send: (data: string) => Promise<unknown>,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  push(data: string): void {
    if (this.closed || data === '') return;
    this.pending += data;
    if (!this.sending) void this.drain();
  }

  /** Drops what was not sent yet; later input is ignored. */
  close(): void {
    this.closed = true;
    this.pending = '';
  }

  private async drain(): Promise<void> {
    this.sending = true;
    try {
      while (this.pending !== '' && !this.closed) {
        const data = this.pending;
        this.pending = '';
        try {
          await this.send(data);
        } catch (error) {
          this.onError(error);
        }
      }
    } finally {
      this.sending = false;
    }
  }
}
