import { Alert, Badge, Button, Code, Group, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import type { ApprovalRequest } from '../../../shared/api/approvals.ts';
import type { SessionTimeline, TimelineStatement } from '../../../shared/bridge/admin-bridge.ts';
import { useBridge } from '../../bridge/bridge-react.tsx';
import { formatDuration, formatRowCount } from '../../ui/time-format.ts';
import { formatHashRoute } from '../app-shell/hash-route.ts';
import { navigate } from '../app-shell/use-hash-route.ts';
import { decisionColor } from '../audit/decision-color.ts';
import { ApprovalHistory } from './ApprovalHistory.tsx';
import { PlayerTimeline } from './PlayerTimeline.tsx';
import { approvalsOf, sessionSpan, statementAt, statementMarkers } from './query-timeline.ts';
import { formatOffset } from './timeline-math.ts';

/** A query session replayed as what it was: its statements in order, each with the policy's decision and what came of it. */
export function QuerySessionView({ sessionId, connection, user, from }: { sessionId: string; connection: string; user: string | null; from: string | null }) {
  const client = useBridge();
  const [timeline, setTimeline] = useState<SessionTimeline | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const items = useRef(new Map<string, HTMLDivElement>());

  useEffect(() => {
    let live = true;
    setTimeline(null);
    setError(null);
    client
      .call('audit.sessionTimeline', { sessionId, connection, ...(user ? { user } : {}), ...(from ? { from } : {}) })
      .then((t) => live && setTimeline(t))
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [client, sessionId, connection, user, from]);

  const select = (statement: TimelineStatement | null) => {
    if (!statement) return;
    setSelected(statement.id);
    items.current.get(statement.id)?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  };

  if (error) {
    return (
      <Alert m="md" color="red" title="Could not load the query session" data-testid="query-timeline-error">
        {error}
      </Alert>
    );
  }
  if (!timeline) return <Loader m="md" aria-label="Loading the query session" />;

  const span = sessionSpan(timeline);
  const current = timeline.statements.find((s) => s.id === selected) ?? null;
  const currentMs = current ? Date.parse(current.time) - span.startMs : 0;

  return (
    <Stack p="md" gap="md" data-testid="query-timeline" data-session-id={timeline.sessionId}>
      <Group justify="space-between" wrap="wrap">
        <Stack gap={0}>
          <Title order={2} size="h4">
            Query session on {timeline.connection}
            {timeline.user ? ` by ${timeline.user}` : ''}
          </Title>
          <Text size="xs" c="dimmed">
            <Code>{timeline.sessionId}</Code> · {timeline.startedAt ? `started ${new Date(timeline.startedAt).toLocaleString()}` : 'start not on record'}
            {timeline.endedAt ? ` · ended ${new Date(timeline.endedAt).toLocaleString()}` : ''} · {timeline.statements.length} statements
          </Text>
        </Stack>
        <Button size="xs" variant="subtle" onClick={() => navigate(formatHashRoute(['recordings']))}>
          All recordings
        </Button>
      </Group>
      {timeline.truncated && (
        <Alert color="yellow" variant="light" py={6}>
          This session is longer than one search returns; the statements after the last one shown are not listed.
        </Alert>
      )}
      {timeline.statements.length > 0 && <PlayerTimeline durationMs={span.durationMs} timeMs={currentMs} markers={statementMarkers(timeline)} legend={['command', 'decision']} onSeek={(ms) => select(statementAt(timeline, ms))} />}
      {timeline.statements.length === 0 && <Text c="dimmed">No statement was run in this session.</Text>}
      <Stack gap="xs">
        {timeline.statements.map((s) => (
          <Paper
            key={s.id}
            withBorder
            p="sm"
            ref={(el: HTMLDivElement | null) => {
              if (el) items.current.set(s.id, el);
              else items.current.delete(s.id);
            }}
            className={`timeline-statement${s.id === selected ? ' is-selected' : ''}`}
            onClick={() => setSelected(s.id)}
            data-testid={`timeline-statement-${s.id}`}
            data-decision={s.decision ?? ''}
            data-outcome={s.outcome}
          >
            <StatementEntry statement={s} offsetMs={Date.parse(s.time) - span.startMs} approvals={approvalsOf(s, timeline.approvals)} />
          </Paper>
        ))}
      </Stack>
    </Stack>
  );
}

function StatementEntry({ statement: s, offsetMs, approvals }: { statement: TimelineStatement; offsetMs: number; approvals: ApprovalRequest[] }) {
  return (
    <Stack gap={6}>
      <Group gap="xs" wrap="wrap">
        <Text ff="monospace" size="xs" c="dimmed" title={new Date(s.time).toLocaleString()}>
          {formatOffset(offsetMs)}
        </Text>
        <Badge color={decisionColor(s.decision)} size="sm" data-testid="timeline-decision">
          {s.decision ?? 'no decision'}
        </Badge>
        {s.rule && (
          <Text size="xs">
            rule <Code>{s.rule}</Code>
          </Text>
        )}
        {s.class && (
          <Badge variant="outline" size="sm">
            {s.class}
          </Badge>
        )}
        <Text size="xs" c="dimmed" data-testid="timeline-outcome">
          {s.outcome === 'unknown' ? 'outcome not on record' : s.outcome === 'error' ? 'failed' : 'done'}
          {s.durationMs !== null && ` in ${formatDuration(s.durationMs)}`}
          {s.rows !== null && ` · ${formatRowCount(s.rows)}`}
        </Text>
      </Group>
      <pre className="timeline-sql">{s.text}</pre>
      {s.error && (
        <Text size="xs" c="red">
          {s.error.sqlstate}: {s.error.message}
        </Text>
      )}
      {s.maskedColumns.length > 0 && (
        <Group gap={4} data-testid="timeline-masked">
          <Text size="xs">Masked:</Text>
          {s.maskedColumns.map((c) => (
            <Badge key={c} size="xs" color="yellow" variant="light">
              {c}
            </Badge>
          ))}
        </Group>
      )}
      {approvals.map((request) => (
        <ApprovalHistory key={request.id} request={request} />
      ))}
    </Stack>
  );
}
