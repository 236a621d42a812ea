/** "4:05", "1:02:03" or "expired": the time left until an approval (or a session) runs out. */
export function formatCountdown(msLeft: number): string {
  if (!Number.isFinite(msLeft) || msLeft <= 0) return 'expired';
  return formatClock(Math.ceil(msLeft / 1000));
}

/** Whole seconds as a clock: "0:05", "12:34", "1:02:03". */
export function formatClock(totalSeconds: number): string {
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const ss = String(totalSeconds % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${ss}` : `${minutes}:${ss}`;
}

/** A statement's run time: "85 ms", "1.24 s", "2:05". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  return `${Math.floor(totalSeconds / 60)}:${String(totalSeconds % 60).padStart(2, '0')}`;
}

const countFormat = new Intl.NumberFormat('en-US');

/** "1 row", "12,345 rows". */
export function formatRowCount(count: number): string {
  return `${countFormat.format(count)} ${count === 1 ? 'row' : 'rows'}`;
}

/** Milliseconds from `nowMs` until an ISO timestamp (negative once past; NaN when unparseable). */
export function msUntil(iso: string, nowMs: number): number {
  return Date.parse(iso) - nowMs;
}
