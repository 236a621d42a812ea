import { Badge, Button, Group, Kbd, Loader, Stack, Text } from '@mantine/core';
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import type { QueryEvent } from '../../../shared/bridge/query-bridge.ts';
import { useBridge, useBridgeEvent, useLinkStatus } from '../../bridge/bridge-react.tsx';
import { PlayIcon, StopIcon } from '../../ui/icons.tsx';
import { useNow } from '../../ui/use-now.ts';
import type { ConnectionTab } from '../../ui/use-connection-tabs.ts';
import { formatDuration, formatRowCount } from '../../ui/time-format.ts';
import { finalVerdict } from '../approvals/approval-wording.ts';
import { ApprovalOutcomePanel } from './ApprovalOutcomePanel.tsx';
import { ApprovalWaitPanel } from './ApprovalWaitPanel.tsx';
import type { SchemaTable } from './completion-schema.ts';
import { HistoryMenu } from './HistoryMenu.tsx';
import { JustificationPanel } from './JustificationPanel.tsx';
import { QueryErrorPanel } from './QueryErrorPanel.tsx';
import type { QueryEventRouter } from './query-event-router.ts';
import { QueryHistory, type HistoryEntry } from './query-history.ts';
import { initialRunState, isActive, runReducer, type RunPhase } from './query-run.ts';
import { ResultActions } from './ResultActions.tsx';
import { ResultBuffer } from './result-buffer.ts';
import { ResultGrid } from './ResultGrid.tsx';
import { SqlEditor, type SqlEditorHandle } from './SqlEditor.tsx';
import { createThrottle } from './throttle.ts';

const RENDER_INTERVAL_MS = 120;
// Going through the global on each call: reading localStorage can throw where storage is disabled, and the history catches that.
const history = new QueryHistory({
  getItem: (key) => localStorage.getItem(key),
  setItem: (key, value) => localStorage.setItem(key, value),
  removeItem: (key) => localStorage.removeItem(key),
});

/** One tab of the query pane: an editor bound to a connection, and the last statement's outcome. */
export function QueryTabPanel({ tab, router, active }: { tab: ConnectionTab; router: QueryEventRouter; active: boolean }) {
  const client = useBridge();
  const link = useLinkStatus();
  const [state, dispatch] = useReducer(runReducer, initialRunState);
  const buffer = useMemo(() => new ResultBuffer(), []);
  const [shownRows, setShownRows] = useState(0);
  const [tables, setTables] = useState<readonly SchemaTable[]>([]);
  const [entries, setEntries] = useState<HistoryEntry[]>(() => history.list(tab.connection));
  const editor = useRef<SqlEditorHandle>(null);
  const release = useRef<(() => void) | null>(null);
  const run = state.run;

  // Rows arrive in batches far faster than is worth painting; show them at a steady pace.
  useEffect(() => {
    const throttle = createThrottle(() => setShownRows(buffer.size), RENDER_INTERVAL_MS);
    const unsubscribe = buffer.subscribe(() => throttle.trigger());
    return () => {
      unsubscribe();
      throttle.cancel();
    };
  }, [buffer]);

  // Closing the tab stops what it started: the broker would otherwise keep running (or waiting on) a statement nobody sees.
  const latestRun = useRef(run);
  latestRun.current = run;
  useEffect(
    () => () => {
      release.current?.();
      const last = latestRun.current;
      if (last.phase === 'waiting') void client.call('approvals.cancel', { id: last.request.id }).catch(() => undefined);
      if (last.phase === 'running' || last.phase === 'waiting') void client.call('query.cancel', { queryId: last.queryId }).catch(() => undefined);
    },
    [client],
  );

  useEffect(() => {
    if (link.state !== 'open') return;
    let live = true;
    client
      .call('connections.schema', { connection: tab.connection })
      .then((result) => {
        if (live) setTables(result.tables);
      })
      .catch(() => {
        // Completion of names is a convenience; the editor works without it.
      });
    return () => {
      live = false;
    };
  }, [client, tab.connection, link.state]);

  useEffect(() => {
    if (link.state !== 'open') dispatch({ type: 'link-lost' });
  }, [link.state]);

  useBridgeEvent('approvals.changed', (request) => dispatch({ type: 'request-changed', request }));

  // The wait ended without a result: fetch the request once more so the denial shows the approver's comment.
  const outcomeRequestId = run.phase === 'failed' && run.request ? run.request.id : null;
  const outcomeRequestPending = run.phase === 'failed' && run.request?.state === 'pending';
  useEffect(() => {
    if (!outcomeRequestId || !outcomeRequestPending) return;
    client
      .call('approvals.get', { id: outcomeRequestId })
      .then((request) => dispatch({ type: 'request-changed', request }))
      .catch(() => undefined);
  }, [client, outcomeRequestId, outcomeRequestPending]);

  const onQueryEvent = useCallback(
    (event: QueryEvent) => {
      if (event.kind === 'columns') buffer.reset(event.columns);
      else if (event.kind === 'rows') buffer.append(event.rows);
      if (event.kind === 'done' || event.kind === 'failed') setShownRows(buffer.size);
      dispatch({ type: 'event', event });
    },
    [buffer],
  );

  const start = async (sql: string, justification: string | null) => {
    release.current?.();
    release.current = null;
    buffer.clear();
    setShownRows(0);
    dispatch({ type: 'start', sql, justification });
    setEntries(history.record(tab.connection, sql, new Date()));
    try {
      const { queryId } = await client.call('query.run', { connection: tab.connection, sql, tabId: tab.id, ...(justification ? { justification } : {}) });
      dispatch({ type: 'started', queryId, at: Date.now() });
      release.current = router.claim(queryId, onQueryEvent);
    } catch (e) {
      dispatch({ type: 'start-failed', message: (e as Error).message });
    }
  };

  const runEditor = () => {
    if (isActive(run)) return;
    const sql = editor.current?.textToRun();
    if (sql) void start(sql, null);
  };

  const cancel = async () => {
    if (run.phase !== 'running' && run.phase !== 'waiting') return;
    dispatch({ type: 'cancelling' });
    if (run.phase === 'waiting') await client.call('approvals.cancel', { id: run.request.id }).catch(() => undefined);
    await client.call('query.cancel', { queryId: run.queryId }).catch(() => undefined);
  };

  const busy = isActive(run);
  const queryId = 'queryId' in run ? run.queryId : null;

  return (
    <div className="query-tab" data-testid="query-tab-panel" data-connection={tab.connection} data-active={active ? 'true' : 'false'} data-phase={run.phase}>
      <div className="query-editor-area">
        <SqlEditor ref={editor} initialText="" tables={tables} label={`SQL for ${tab.connection}`} onRun={runEditor} />
      </div>
      <Group className="query-toolbar" gap="xs" justify="space-between" wrap="nowrap">
        <Group gap="xs" wrap="nowrap">
          <Button size="xs" leftSection={<PlayIcon size={14} />} onClick={runEditor} disabled={busy || link.state !== 'open'} data-testid="run-button" aria-keyshortcuts="Control+Enter Meta+Enter">
            Run
          </Button>
          {busy && (
            <Button size="xs" color="red" variant="light" leftSection={<StopIcon size={14} />} onClick={() => void cancel()} loading={'cancelling' in run && run.cancelling} data-testid="cancel-query">
              Cancel
            </Button>
          )}
          <HistoryMenu
            entries={entries}
            onPick={(sql) => editor.current?.setText(sql)}
            onClear={() => {
              history.clear(tab.connection);
              setEntries([]);
            }}
          />
          <Text size="xs" c="dimmed" visibleFrom="sm">
            <Kbd size="xs">Ctrl</Kbd> + <Kbd size="xs">Enter</Kbd> runs the selection, or everything
          </Text>
        </Group>
        <Group gap="xs" wrap="nowrap">
          <Badge variant="light" title="Statements in this tab share one database session">
            {tab.connection}
          </Badge>
          {state.columns && <ResultActions buffer={buffer} queryId={queryId} busy={busy} />}
        </Group>
      </Group>
      <StatusLine run={run} rows={shownRows} hasColumns={state.columns !== null} />
      {state.notices.length > 0 && (
        <Stack gap={2} className="query-notices" data-testid="query-notices">
          {state.notices.map((notice, i) => (
            <Text key={i} size="xs" c="dimmed">
              {notice.severity}: {notice.message}
            </Text>
          ))}
        </Stack>
      )}
      <div className="query-results">
        <RunOutcome run={run} onCancel={() => void cancel()} onJustify={(justification) => void start(run.phase === 'failed' ? run.sql : '', justification)} />
        {state.columns && <ResultGrid buffer={buffer} columns={state.columns} rowCount={shownRows} label={`Result of the statement on ${tab.connection}`} />}
        {run.phase === 'idle' && (
          <Text size="sm" c="dimmed" p="md">
            Results appear here.
          </Text>
        )}
      </div>
    </div>
  );
}

function RunOutcome({ run, onCancel, onJustify }: { run: RunPhase; onCancel: () => void; onJustify: (justification: string) => void }) {
  switch (run.phase) {
    case 'waiting':
      return <ApprovalWaitPanel request={run.request} cancelling={run.cancelling} onCancel={onCancel} />;
    case 'failed':
      if (run.needsJustification) return <JustificationPanel message={run.error.message} hint={run.error.hint} onSubmit={onJustify} />;
      if (run.request) return <ApprovalOutcomePanel request={run.request} error={run.error} />;
      return <QueryErrorPanel error={run.error} />;
    case 'done': {
      const verdict = run.request ? finalVerdict(run.request) : null;
      if (!verdict) return null;
      return (
        <Text size="sm" c="green" data-testid="approval-granted" px="xs">
          Approved by {verdict.by}
          {verdict.comment ? `: “${verdict.comment}”` : ''} (request {run.request?.id})
        </Text>
      );
    }
    case 'idle':
    case 'starting':
    case 'running':
      return null;
    default:
      return run satisfies never;
  }
}

function StatusLine({ run, rows, hasColumns }: { run: RunPhase; rows: number; hasColumns: boolean }) {
  const now = useNow(250, run.phase === 'running' || run.phase === 'starting');
  let text = '';
  let count: number | null = null;
  switch (run.phase) {
    case 'idle':
      return null;
    case 'starting':
      text = 'Starting…';
      break;
    case 'running':
      count = rows;
      text = `Running… ${hasColumns ? `${formatRowCount(rows)} so far · ` : ''}${formatDuration(now - run.startedAt)}`;
      break;
    case 'waiting':
      text = 'Waiting for approval';
      break;
    case 'done':
      count = hasColumns ? rows : run.rowCount;
      // PostgreSQL's command tag already carries the count of a write ("UPDATE 3").
      text = hasColumns ? `${formatRowCount(rows)} · ${formatDuration(run.durationMs)}` : `${run.command} · ${formatDuration(run.durationMs)}`;
      break;
    case 'failed':
      count = hasColumns ? rows : null;
      text = `Failed${run.durationMs !== null ? ` after ${formatDuration(run.durationMs)}` : ''}${hasColumns ? ` · ${formatRowCount(rows)} received` : ''}`;
      break;
    default:
      return run satisfies never;
  }
  return (
    <Group gap="xs" className="query-status" px="xs">
      {(run.phase === 'running' || run.phase === 'starting') && <Loader size={12} aria-hidden="true" />}
      <Text size="xs" role="status" data-testid="result-status" data-phase={run.phase} data-row-count={count ?? undefined} data-command={run.phase === 'done' ? run.command : undefined}>
        {text}
      </Text>
    </Group>
  );
}
