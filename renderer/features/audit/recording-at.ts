import type { RecordingSummary } from '../../../shared/api/recordings.ts';

/** Clock differences between broker and server, and the event arriving just after the last output. */
const SLACK_MS = 5_000;

/**
 * The recording of a broker session that was running at `time`, and how far into it: where the
 * audit view's "open the recording at this moment" goes. null when no recording covers it.
 */
export function recordingAtTime(recordings: readonly RecordingSummary[], sessionId: string, time: string): { recording: RecordingSummary; tMs: number } | null {
  const at = Date.parse(time);
  if (Number.isNaN(at)) return null;
  let best: { recording: RecordingSummary; tMs: number } | null = null;
  for (const recording of recordings) {
    if (recording.brokerSessionId !== sessionId) continue;
    const start = Date.parse(recording.startedAt);
    if (Number.isNaN(start)) continue;
    const end = recording.endedAt ? Date.parse(recording.endedAt) : start + recording.durationMs;
    if (at < start - SLACK_MS || at > Math.max(end, start + recording.durationMs) + SLACK_MS) continue;
    const tMs = Math.min(Math.max(0, at - start), recording.durationMs);
    // Several channels of one session: the one that started last before the moment.
    if (best === null || start > Date.parse(best.recording.startedAt)) best = { recording, tMs };
  }
  return best;
}
