import { ActionIcon, Alert, Badge, Button, Group, Loader, NativeSelect, Stack, Switch, Text, TextInput, Title, Tooltip, useComputedColorScheme } from '@mantine/core';
import type { Terminal } from '@xterm/xterm';
import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { RecordingSummary } from '../../../shared/api/recordings.ts';
import { useBridge } from '../../bridge/bridge-react.tsx';
import { PlayIcon } from '../../ui/icons.tsx';
import { formatHashRoute } from '../app-shell/hash-route.ts';
import { navigate } from '../app-shell/use-hash-route.ts';
import { createReplayXterm } from '../terminals/create-xterm.ts';
import { xtermTheme } from '../terminals/terminal-themes.ts';
import { useTerminalSettings } from '../terminals/use-terminal-settings.ts';
import { markersFromAudit, markersFromHits, mergeMarkers } from './player-markers.ts';
import { playerCommandForKey, type PlayerCommand } from './player-shortcuts.ts';
import { PlayerTimeline } from './PlayerTimeline.tsx';
import { getRecording, screenAt, searchRecordings } from './recordings-api.ts';
import { RecordingExportButtons } from './RecordingExportButtons.tsx';
import { ReplayEngine, type ReplayState } from './replay-engine.ts';
import { screenText } from './screen-text.ts';
import { auditDuringRecording } from './session-audit.ts';
import { ShortcutHelp } from './ShortcutHelp.tsx';
import { fasterSpeed, formatSpeed, isPlaybackSpeed, PLAYBACK_SPEEDS, slowerSpeed } from './speed-steps.ts';
import { adjacentMarker, formatPlayerTime, type TimelineMarker } from './timeline-math.ts';

/** The clock and screen text follow playback this often; a seek updates them at once. */
const DISPLAY_EVERY_MS = 100;

function PauseIcon({ size = 16 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="currentColor" aria-hidden="true" focusable="false">
      <rect x="6" y="4" width="4" height="16" rx="1" />
      <rect x="14" y="4" width="4" height="16" rx="1" />
    </svg>
  );
}

/** A recorded terminal session: the screen at any moment, played at any speed, with markers to jump between. */
export function RecordingPlayer({ id, startMs, query }: { id: string; startMs: number | null; query: string | null }) {
  const client = useBridge();
  const [recording, setRecording] = useState<RecordingSummary | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setRecording(null);
    setLoadError(null);
    getRecording(client, id)
      .then((r) => live && setRecording(r))
      .catch((e: Error) => live && setLoadError(e.message));
    return () => {
      live = false;
    };
  }, [client, id]);

  if (loadError) {
    return (
      <Alert m="md" color="red" title="Could not open the recording" data-testid="player-error">
        {loadError}
      </Alert>
    );
  }
  if (!recording) return <Loader m="md" aria-label="Loading the recording" />;
  return <PlayerLoaded key={recording.id} recording={recording} startMs={startMs} query={query} />;
}

function PlayerLoaded({ recording, startMs, query }: { recording: RecordingSummary; startMs: number | null; query: string | null }) {
  const client = useBridge();
  const [settings] = useTerminalSettings();
  const scheme = useComputedColorScheme('light');
  const host = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | null>(null);
  const engine = useRef<ReplayEngine | null>(null);
  const [time, setTime] = useState(startMs ?? 0);
  const [state, setState] = useState<ReplayState>('loading');
  const [speed, setSpeed] = useState(1);
  const [skipIdle, setSkipIdle] = useState(true);
  const [size, setSize] = useState({ cols: recording.width, rows: recording.height });
  const [text, setText] = useState({ value: '', t: 0 });
  const [error, setError] = useState<string | null>(null);
  const [helpOpen, setHelpOpen] = useState(false);
  const [auditMarkers, setAuditMarkers] = useState<TimelineMarker[]>([]);
  const [castMarkers, setCastMarkers] = useState<TimelineMarker[]>([]);
  const [hitMarkers, setHitMarkers] = useState<TimelineMarker[]>([]);
  const [find, setFind] = useState(query ?? '');
  const [hitCount, setHitCount] = useState<number | null>(null);
  const initial = useRef({ settings, scheme, startMs });

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const { settings: s, scheme: sc, startMs: start } = initial.current;
    const xterm = createReplayXterm({ fontSize: s.fontSize, theme: xtermTheme(s.theme, sc), cols: recording.width, rows: recording.height });
    xterm.open(element);
    term.current = xterm;

    let lastTime = 0;
    let moving = false;
    let textTimer: ReturnType<typeof setTimeout> | null = null;
    const readText = () => setText({ value: screenText(xterm.buffer.active, xterm.rows), t: replay.time });
    const replay = new ReplayEngine(xterm, (t, page) => screenAt(client, recording.id, t, page), recording.durationMs, {
      time(ms) {
        // While playing, the clock follows at a readable rate; a seek shows at once.
        const now = performance.now();
        if (!moving || now - lastTime >= DISPLAY_EVERY_MS) {
          lastTime = now;
          setTime(ms);
        }
      },
      state(next) {
        moving = next === 'playing' || next === 'buffering';
        setState(next);
        setTime(replay.time);
      },
      screen() {
        if (textTimer !== null) return;
        textTimer = setTimeout(() => {
          textTimer = null;
          readText();
        }, DISPLAY_EVERY_MS);
      },
      size: (cols, rows) => setSize({ cols, rows }),
      markers: (found) => setCastMarkers((known) => mergeMarkers(known, found)),
      error: setError,
    });
    engine.current = replay;
    void replay.seek(start ?? 0);
    return () => {
      if (textTimer !== null) clearTimeout(textTimer);
      replay.dispose();
      xterm.dispose();
      engine.current = null;
      term.current = null;
    };
  }, [client, recording]);

  useEffect(() => {
    const xterm = term.current;
    if (!xterm) return;
    xterm.options.fontSize = settings.fontSize;
    xterm.options.theme = xtermTheme(settings.theme, scheme);
  }, [settings.fontSize, settings.theme, scheme]);

  useEffect(() => {
    let live = true;
    auditDuringRecording(client, recording)
      .then((records) => live && setAuditMarkers(markersFromAudit(records, recording)))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [client, recording]);

  const searchHits = useCallback(
    async (q: string) => {
      const trimmed = q.trim();
      if (!trimmed) {
        setHitMarkers([]);
        setHitCount(null);
        return;
      }
      try {
        const result = await searchRecordings(client, trimmed, { connection: recording.connection, user: recording.user, from: recording.startedAt, to: new Date(Date.parse(recording.startedAt) + 1000).toISOString() }, 200);
        const mine = result.results.find((r) => r.recording.id === recording.id);
        setHitMarkers(markersFromHits(mine?.hits ?? []));
        setHitCount(mine?.hitCount ?? 0);
      } catch (e) {
        setError(`Search failed: ${(e as Error).message}`);
      }
    },
    [client, recording],
  );

  useEffect(() => {
    if (query) void searchHits(query);
  }, [query, searchHits]);

  // The same player asked to show another moment (the audit view's "open at this moment").
  const firstStart = useRef(true);
  useEffect(() => {
    if (firstStart.current) {
      firstStart.current = false;
      return;
    }
    if (startMs !== null) void engine.current?.seek(startMs);
  }, [startMs]);

  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Keyboard shortcuts work as soon as the player opens.
    container.current?.focus({ preventScroll: true });
  }, []);

  const markers = mergeMarkers(auditMarkers, castMarkers, hitMarkers);
  const playing = state === 'playing' || state === 'buffering';

  const seek = useCallback((ms: number) => {
    setError(null);
    void engine.current?.seek(ms);
  }, []);

  const togglePlay = () => {
    const replay = engine.current;
    if (!replay) return;
    if (playing) replay.pause();
    else replay.play();
  };

  const changeSpeed = (next: number) => {
    setSpeed(next);
    engine.current?.setSpeed(next);
  };

  const changeSkipIdle = (next: boolean) => {
    setSkipIdle(next);
    engine.current?.setSkipIdle(next);
  };

  const run = (command: PlayerCommand) => {
    const now = engine.current?.time ?? time;
    switch (command.kind) {
      case 'toggle-play':
        togglePlay();
        break;
      case 'seek-by':
        seek(now + command.ms);
        break;
      case 'seek-to-start':
        seek(0);
        break;
      case 'seek-to-end':
        seek(recording.durationMs);
        break;
      case 'faster':
        changeSpeed(fasterSpeed(speed));
        break;
      case 'slower':
        changeSpeed(slowerSpeed(speed));
        break;
      case 'next-marker':
      case 'previous-marker': {
        const target = adjacentMarker(markers, now, command.kind === 'next-marker' ? 1 : -1);
        if (target) seek(target.ms);
        break;
      }
      case 'toggle-skip-idle':
        changeSkipIdle(!skipIdle);
        break;
      case 'toggle-help':
        setHelpOpen((open) => !open);
        break;
      case 'close-help':
        setHelpOpen(false);
        break;
      default:
        command satisfies never;
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const target = event.target as HTMLElement;
    if (target.closest('input, textarea, select, [contenteditable="true"]')) return;
    const command = playerCommandForKey(event);
    if (!command) return;
    // Space and arrows on a focused button would also click it or scroll the page.
    event.preventDefault();
    run(command);
  };

  return (
    <div className="player" tabIndex={0} onKeyDown={onKeyDown} data-testid="player" data-recording-id={recording.id} data-state={state} aria-label="Recording player" ref={container}>
      <Group justify="space-between" wrap="wrap" className="player-header">
        <Stack gap={0}>
          <Title order={2} size="h4">
            {recording.user} on {recording.connection}
          </Title>
          <Text size="xs" c="dimmed">
            {recording.host} · started {new Date(recording.startedAt).toLocaleString()} · {formatPlayerTime(recording.durationMs)} · {size.cols}×{size.rows}
            {!recording.complete && ' · still being uploaded'}
          </Text>
        </Stack>
        <Group gap="xs">
          <Button size="xs" variant="subtle" onClick={() => navigate(formatHashRoute(['recordings']))}>
            All recordings
          </Button>
          <RecordingExportButtons recordingId={recording.id} />
        </Group>
      </Group>
      {error && (
        <Alert color="red" variant="light" py={6} mx="sm" role="alert" withCloseButton onClose={() => setError(null)} data-testid="player-error">
          {error}
        </Alert>
      )}
      <div className="player-stage">
        <div ref={host} className="player-screen" style={{ background: xtermTheme(settings.theme, scheme).background }} data-testid="player-screen" data-cols={size.cols} data-rows={size.rows} />
        {state === 'loading' && <Loader className="player-loading" size="sm" aria-label="Loading the screen" />}
      </div>
      <pre hidden data-testid="player-screen-text" data-t={Math.round(text.t)} data-state={state}>
        {text.value}
      </pre>
      <div className="player-controls">
        <PlayerTimeline durationMs={recording.durationMs} timeMs={time} markers={markers} onSeek={seek} />
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Group gap="xs" wrap="nowrap">
            <Tooltip label={playing ? 'Pause (Space)' : 'Play (Space)'}>
              <ActionIcon size="lg" onClick={togglePlay} aria-label={playing ? 'Pause' : 'Play'} data-testid="player-play" data-playing={playing ? 'true' : 'false'}>
                {playing ? <PauseIcon /> : <PlayIcon />}
              </ActionIcon>
            </Tooltip>
            <Text ff="monospace" size="sm" data-testid="player-time" data-ms={Math.round(time)} aria-live="off">
              {formatPlayerTime(time)}
            </Text>
            <Text ff="monospace" size="sm" c="dimmed" data-testid="player-duration" data-ms={Math.round(recording.durationMs)}>
              / {formatPlayerTime(recording.durationMs)}
            </Text>
            {state === 'buffering' && (
              <Badge size="sm" variant="light">
                loading…
              </Badge>
            )}
            {state === 'ended' && (
              <Badge size="sm" variant="light" color="gray" data-testid="player-ended">
                end
              </Badge>
            )}
          </Group>
          <Group gap="sm" wrap="wrap">
            <NativeSelect
              size="xs"
              aria-label="Speed"
              value={String(speed)}
              onChange={(e) => {
                const next = Number(e.currentTarget.value);
                if (isPlaybackSpeed(next)) changeSpeed(next);
              }}
              data={PLAYBACK_SPEEDS.map((s) => ({ value: String(s), label: formatSpeed(s) }))}
              data-testid="player-speed"
            />
            <Switch size="xs" label="Skip idle" checked={skipIdle} onChange={(e) => changeSkipIdle(e.currentTarget.checked)} data-testid="player-skip-idle" />
            <TextInput
              size="xs"
              type="search"
              placeholder="Find in recording"
              aria-label="Find in recording"
              value={find}
              onChange={(e) => setFind(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') void searchHits(find);
              }}
              rightSection={hitCount !== null ? <Text size="xs">{hitCount}</Text> : undefined}
              w={180}
              data-testid="player-find"
            />
            <Button size="xs" variant="subtle" onClick={() => setHelpOpen(true)} data-testid="player-help">
              Shortcuts (?)
            </Button>
          </Group>
        </Group>
      </div>
      <ShortcutHelp opened={helpOpen} onClose={() => setHelpOpen(false)} />
    </div>
  );
}
