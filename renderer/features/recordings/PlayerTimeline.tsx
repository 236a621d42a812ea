import { useElementSize } from '@mantine/hooks';
import { useState, type MouseEvent } from 'react';
import { clusterMarkers, formatPlayerTime, fractionOfMs, msAtFraction, type MarkerKind, type TimelineMarker } from './timeline-math.ts';

const KIND_LABEL: Record<MarkerKind, string> = { command: 'command', decision: 'policy decision', hit: 'search hit', marker: 'recorder note' };
const LEGEND_LABEL: Record<MarkerKind, string> = { command: 'commands', decision: 'policy decisions', hit: 'search hits', marker: 'recorder notes' };
const DEFAULT_LEGEND: readonly MarkerKind[] = ['command', 'decision', 'hit'];

/** The recording's length as a bar: where the play head is, markers for commands, decisions and hits; click anywhere to go there. */
export function PlayerTimeline({
  durationMs,
  timeMs,
  markers,
  onSeek,
  legend = DEFAULT_LEGEND,
}: {
  durationMs: number;
  timeMs: number;
  markers: readonly TimelineMarker[];
  onSeek: (ms: number) => void;
  legend?: readonly MarkerKind[];
}) {
  const { ref, width } = useElementSize<HTMLDivElement>();
  const [hover, setHover] = useState<number | null>(null);
  const clusters = clusterMarkers(markers, durationMs, width);
  const progress = fractionOfMs(timeMs, durationMs) * 100;

  const msAt = (event: MouseEvent<HTMLDivElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    return msAtFraction((event.clientX - box.left) / Math.max(1, box.width), durationMs);
  };

  return (
    <div className="player-timeline-wrap">
      <div
        ref={ref}
        className="player-timeline"
        data-testid="player-timeline"
        data-duration-ms={durationMs}
        role="slider"
        aria-label="Position in the recording"
        aria-valuemin={0}
        aria-valuemax={Math.round(durationMs / 1000)}
        aria-valuenow={Math.round(timeMs / 1000)}
        aria-valuetext={`${formatPlayerTime(timeMs)} of ${formatPlayerTime(durationMs)}`}
        tabIndex={-1}
        onPointerMove={(e) => setHover(msAt(e))}
        onPointerLeave={() => setHover(null)}
        onClick={(e) => onSeek(msAt(e))}
      >
        <div className="player-timeline-track" />
        <div className="player-timeline-progress" style={{ width: `${progress}%` }} />
        {clusters.map((cluster) => {
          const first = cluster.markers[0]!;
          const title = cluster.markers
            .slice(0, 6)
            .map((m) => `${formatPlayerTime(m.ms)} ${KIND_LABEL[m.kind]}: ${m.label}`)
            .join('\n');
          const more = cluster.markers.length > 6 ? `\n… ${cluster.markers.length - 6} more` : '';
          return (
            <button
              key={`${cluster.ms}-${cluster.kinds.join()}`}
              type="button"
              className={`player-marker kind-${cluster.kinds.length > 1 ? 'mixed' : first.kind}`}
              style={{ left: `${cluster.fraction * 100}%` }}
              title={title + more}
              aria-label={`${KIND_LABEL[first.kind]} at ${formatPlayerTime(first.ms)}: ${first.label}${cluster.markers.length > 1 ? ` and ${cluster.markers.length - 1} more` : ''}`}
              data-testid="player-marker"
              data-kind={first.kind}
              data-ms={Math.round(first.ms)}
              onClick={(e) => {
                e.stopPropagation();
                onSeek(first.ms);
              }}
            />
          );
        })}
        <div className="player-timeline-head" style={{ left: `${progress}%` }} />
        {hover !== null && (
          <div className="player-timeline-hover" style={{ left: `${fractionOfMs(hover, durationMs) * 100}%` }} aria-hidden="true">
            {formatPlayerTime(hover)}
          </div>
        )}
      </div>
      <div className="player-timeline-legend" aria-hidden="true">
        {legend.map((kind) => (
          <span key={kind} className={`legend kind-${kind}`}>
            {LEGEND_LABEL[kind]}
          </span>
        ))}
      </div>
    </div>
  );
}
