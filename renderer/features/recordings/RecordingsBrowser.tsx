import { Alert, Badge, Button, Group, Loader, SegmentedControl, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useState, type ChangeEvent } from 'react';
import type { AuditRecord } from '../../../shared/api/audit.ts';
import type { RecordingSearch, RecordingSummary } from '../../../shared/api/recordings.ts';
import { useBridge } from '../../bridge/bridge-react.tsx';
import { formatHashRoute } from '../app-shell/hash-route.ts';
import { navigate } from '../app-shell/use-hash-route.ts';
import { useRoleActions } from '../roles/use-role-actions.ts';
import { querySessionsOf, type QuerySessionSummary } from './query-sessions.ts';
import { formatBytes, isoOrUndefined } from './recording-wording.ts';
import { listRecordings, searchRecordings, type RecordingFilters } from './recordings-api.ts';
import { formatPlayerTime } from './timeline-math.ts';

interface FilterForm {
  user: string;
  connection: string;
  host: string;
  from: string;
  to: string;
}

const EMPTY: FilterForm = { user: '', connection: '', host: '', from: '', to: '' };
/** Hits listed under a search result; the player's timeline shows them all. */
const HITS_SHOWN = 5;

function filtersOf(form: FilterForm): RecordingFilters {
  const trimmed = (v: string) => (v.trim() === '' ? undefined : v.trim());
  return { user: trimmed(form.user), connection: trimmed(form.connection), host: trimmed(form.host), from: isoOrUndefined(form.from), to: isoOrUndefined(form.to) };
}

function openRecording(id: string, params: Record<string, string> = {}): void {
  navigate(formatHashRoute(['recordings', id], params));
}

/** Every recorded session I may see: filter them, or find the ones where some text appeared on screen. */
export function RecordingsBrowser() {
  const actions = useRoleActions();
  const [kind, setKind] = useState<'terminal' | 'query'>('terminal');
  const [form, setForm] = useState<FilterForm>(EMPTY);
  const [debouncedForm] = useDebouncedValue(form, 300);
  const field = (key: keyof FilterForm) => ({
    value: form[key],
    onChange: (e: ChangeEvent<HTMLInputElement>) => setForm({ ...form, [key]: e.currentTarget.value }),
  });

  return (
    <Stack p="md" gap="md" className="recordings-browser">
      <Group justify="space-between" align="flex-end">
        <Stack gap={2}>
          <Title order={2} size="h3">
            Recordings
          </Title>
          <Text size="sm" c="dimmed">
            {actions.seeEveryonesHistory ? 'Every recorded session.' : 'Your recorded sessions.'}
          </Text>
        </Stack>
        <SegmentedControl
          size="xs"
          value={kind}
          onChange={(v) => setKind(v as 'terminal' | 'query')}
          data={[
            { value: 'terminal', label: 'Terminal sessions' },
            { value: 'query', label: 'Query sessions' },
          ]}
          data-testid="recordings-kind"
        />
      </Group>
      <Group gap="xs" align="flex-end" wrap="wrap" role="search" aria-label="Filter recordings">
        <TextInput size="xs" label="User" {...field('user')} data-testid="recordings-filter-user" />
        <TextInput size="xs" label="Connection" {...field('connection')} data-testid="recordings-filter-connection" />
        {kind === 'terminal' && <TextInput size="xs" label="Host" {...field('host')} data-testid="recordings-filter-host" />}
        <TextInput size="xs" label="From" type="datetime-local" {...field('from')} data-testid="recordings-filter-from" />
        <TextInput size="xs" label="To" type="datetime-local" {...field('to')} data-testid="recordings-filter-to" />
        <Button size="xs" variant="subtle" onClick={() => setForm(EMPTY)} disabled={Object.values(form).every((v) => v === '')}>
          Clear
        </Button>
      </Group>
      {kind === 'terminal' ? <TerminalRecordings filters={filtersOf(debouncedForm)} /> : <QuerySessions filters={filtersOf(debouncedForm)} />}
    </Stack>
  );
}

function TerminalRecordings({ filters }: { filters: RecordingFilters }) {
  const client = useBridge();
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 300);
  const [list, setList] = useState<RecordingSummary[] | null>(null);
  const [found, setFound] = useState<RecordingSearch | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const filterKey = JSON.stringify(filters);

  useEffect(() => {
    let live = true;
    const current = JSON.parse(filterKey) as RecordingFilters;
    setLoading(true);
    setError(null);
    const work = q
      ? searchRecordings(client, q, { user: current.user, connection: current.connection, from: current.from, to: current.to }).then((result) => {
          if (!live) return;
          // The server's search does not filter by host; the list's host filter still applies.
          const host = current.host?.toLowerCase();
          setFound(host ? { results: result.results.filter((r) => r.recording.host.toLowerCase().includes(host)) } : result);
          setList(null);
        })
      : listRecordings(client, current).then((recordings) => {
          if (!live) return;
          setList(recordings);
          setFound(null);
        });
    work
      .catch((e: Error) => live && setError(e.message))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [client, q, filterKey]);

  return (
    <Stack gap="sm">
      <TextInput
        type="search"
        placeholder="Find text that appeared on screen, e.g. a command or a file name"
        aria-label="Search recordings"
        value={search}
        onChange={(e) => setSearch(e.currentTarget.value)}
        data-testid="recordings-search"
        rightSection={loading ? <Loader size="xs" /> : undefined}
      />
      {error && (
        <Alert color="red" title="Could not load recordings" role="alert" data-testid="recordings-error">
          {error}
        </Alert>
      )}
      {found && <SearchResults result={found} q={q} />}
      {list && <RecordingTable recordings={list} />}
    </Stack>
  );
}

function RecordingTable({ recordings }: { recordings: RecordingSummary[] }) {
  if (recordings.length === 0) {
    return (
      <Text c="dimmed" data-testid="recordings-empty">
        No recording matches.
      </Text>
    );
  }
  return (
    <Table highlightOnHover striped stickyHeader data-testid="recordings-list">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Started</Table.Th>
          <Table.Th>User</Table.Th>
          <Table.Th>Connection</Table.Th>
          <Table.Th>Host</Table.Th>
          <Table.Th>Length</Table.Th>
          <Table.Th>Size</Table.Th>
          <Table.Th />
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {recordings.map((r) => (
          <Table.Tr key={r.id} data-testid={`recording-${r.id}`} className="clickable-row" onClick={() => openRecording(r.id)}>
            <Table.Td>{new Date(r.startedAt).toLocaleString()}</Table.Td>
            <Table.Td>
              {r.user}
              {r.userMachine && (
                <Badge size="xs" ml={4} variant="outline">
                  machine
                </Badge>
              )}
            </Table.Td>
            <Table.Td>{r.connection}</Table.Td>
            <Table.Td>{r.host}</Table.Td>
            <Table.Td ff="monospace">{formatPlayerTime(r.durationMs)}</Table.Td>
            <Table.Td>{formatBytes(r.bytes)}</Table.Td>
            <Table.Td>
              {!r.complete && (
                <Badge size="xs" color="orange" variant="light">
                  {r.endedAt ? 'uploading' : 'live'}
                </Badge>
              )}
              <Button
                size="compact-xs"
                variant="light"
                ml={4}
                onClick={(e) => {
                  e.stopPropagation();
                  openRecording(r.id);
                }}
                data-testid="recording-open"
              >
                Play
              </Button>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function SearchResults({ result, q }: { result: RecordingSearch; q: string }) {
  if (result.results.length === 0) {
    return (
      <Text c="dimmed" data-testid="recordings-empty">
        “{q}” did not appear on any screen you may see.
      </Text>
    );
  }
  return (
    <Stack gap="sm" data-testid="recordings-results">
      {result.results.map(({ recording: r, hits, hitCount }) => (
        <div key={r.id} className="recording-result" data-testid={`recording-${r.id}`} data-hit-count={hitCount}>
          <Group justify="space-between" wrap="wrap">
            <Group gap="xs">
              <Text fw={600} size="sm">
                {r.user} on {r.connection}
              </Text>
              <Text size="xs" c="dimmed">
                {r.host} · {new Date(r.startedAt).toLocaleString()} · {formatPlayerTime(r.durationMs)}
              </Text>
            </Group>
            <Group gap="xs">
              <Badge variant="light" data-testid="recording-hit-count">
                {hitCount} {hitCount === 1 ? 'hit' : 'hits'}
              </Badge>
              <Button size="compact-xs" variant="light" onClick={() => openRecording(r.id, { q })} data-testid="recording-open">
                Play
              </Button>
            </Group>
          </Group>
          <Stack gap={2} mt={4}>
            {hits.slice(0, HITS_SHOWN).map((hit, i) => (
              <button key={i} type="button" className="recording-hit" onClick={() => openRecording(r.id, { t: String(Math.ceil(hit.t)), q })} data-testid="recording-hit" data-t={Math.ceil(hit.t)}>
                <span className="recording-hit-time">{formatPlayerTime(hit.t)}</span>
                <span className="recording-hit-line">{hit.line.trim()}</span>
              </button>
            ))}
            {hitCount > HITS_SHOWN && (
              <Text size="xs" c="dimmed">
                and {hitCount - HITS_SHOWN} more: all are marked on the player's timeline.
              </Text>
            )}
          </Stack>
        </div>
      ))}
    </Stack>
  );
}

/** Statement records read for the query-session list, at most. */
const QUERY_SESSION_RECORDS = 2000;

function QuerySessions({ filters }: { filters: RecordingFilters }) {
  const client = useBridge();
  const [sessions, setSessions] = useState<QuerySessionSummary[] | null>(null);
  const [capped, setCapped] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const filterKey = JSON.stringify(filters);

  useEffect(() => {
    let live = true;
    const current = JSON.parse(filterKey) as RecordingFilters;
    const load = async () => {
      const records: AuditRecord[] = [];
      let after: number | null = null;
      do {
        const page: { records: AuditRecord[]; nextAfter: number | null } = await client.call('audit.search', { kind: 'statement', user: current.user, connection: current.connection, from: current.from, to: current.to, limit: 1000, ...(after !== null ? { after } : {}) });
        records.push(...page.records);
        after = page.nextAfter;
      } while (after !== null && records.length < QUERY_SESSION_RECORDS && live);
      return { records, more: after !== null };
    };
    load()
      .then(({ records, more }) => {
        if (!live) return;
        setSessions(querySessionsOf(records));
        setCapped(more);
        setError(null);
      })
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [client, filterKey]);

  if (error) {
    return (
      <Alert color="red" title="Could not load query sessions" role="alert">
        {error}
      </Alert>
    );
  }
  if (!sessions) return <Loader aria-label="Loading query sessions" />;
  if (sessions.length === 0) return <Text c="dimmed" data-testid="query-sessions-empty">No query session matches.</Text>;
  return (
    <Stack gap="xs">
      {capped && (
        <Text size="xs" c="dimmed">
          Built from the oldest {QUERY_SESSION_RECORDS.toLocaleString()} statements that match; narrow the time range to see later sessions.
        </Text>
      )}
      <Table highlightOnHover striped data-testid="query-sessions-list">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Started</Table.Th>
            <Table.Th>User</Table.Th>
            <Table.Th>Connection</Table.Th>
            <Table.Th>Statements</Table.Th>
            <Table.Th>Session</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {sessions.map((s) => {
            const open = () => navigate(formatHashRoute(['recordings', 'query', s.sessionId], { connection: s.connection, user: s.user, from: s.firstTime }));
            return (
              <Table.Tr key={s.sessionId} className="clickable-row" onClick={open} data-testid={`query-session-${s.sessionId}`}>
                <Table.Td>{new Date(s.firstTime).toLocaleString()}</Table.Td>
                <Table.Td>
                  {s.user}
                  {s.machine && (
                    <Badge size="xs" ml={4} variant="outline">
                      machine
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>{s.connection}</Table.Td>
                <Table.Td>
                  {s.statements}
                  {s.flagged > 0 && (
                    <Badge size="xs" ml={6} color="red" variant="light">
                      {s.flagged} not simply allowed
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td ff="monospace" fz="xs">
                  {s.sessionId}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
