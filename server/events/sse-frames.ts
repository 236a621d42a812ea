/*
 * Server-sent events wire format (HTML Living Standard, "server-sent events"). Event data is
 * one line of JSON: JSON.stringify never emits a raw newline, so one `data:` line suffices.
 */

export function eventFrame(id: number, json: string): string {
  return `id: ${id}\ndata: ${json}\n\n`;
}

/** Comment lines are ignored by clients; they keep proxies and idle timers from closing the stream. */
export function commentFrame(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}

/** How long a client waits before reconnecting after the stream drops. */
export function retryFrame(ms: number): string {
  return `retry: ${Math.max(0, Math.round(ms))}\n\n`;
}
