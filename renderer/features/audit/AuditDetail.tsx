import { Alert, Badge, Button, Code, Drawer, Group, Loader, Stack, Table, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { ApprovalRequest } from '../../../shared/api/approvals.ts';
import { useBridge } from '../../bridge/bridge-react.tsx';
import { ReadOnlySql } from '../../ui/ReadOnlySql.tsx';
import { formatDuration, formatRowCount } from '../../ui/time-format.ts';
import { formatHashRoute } from '../app-shell/hash-route.ts';
import { navigate } from '../app-shell/use-hash-route.ts';
import { ApprovalHistory } from '../recordings/ApprovalHistory.tsx';
import { isQueryRow, isSshRow, type AuditRow } from './audit-rows.ts';
import { decisionColor } from './decision-color.ts';
import { findRecordingFor } from './find-recording.ts';

type Lookup<T> = { state: 'none' } | { state: 'loading' } | { state: 'found'; value: T } | { state: 'missing' } | { state: 'failed'; message: string };

/** One record in full: what happened, the approval behind it, and where to watch it happen. */
export function AuditDetail({ row, onClose }: { row: AuditRow | null; onClose: () => void }) {
  return (
    <Drawer opened={row !== null} onClose={onClose} position="right" size="xl" title={row ? `Audit record #${row.seq}` : ''} data-testid="audit-detail">
      {row && <DetailBody key={row.id} row={row} />}
    </Drawer>
  );
}

function DetailBody({ row }: { row: AuditRow }) {
  const client = useBridge();
  const [approval, setApproval] = useState<Lookup<ApprovalRequest>>(row.approvalRequestId ? { state: 'loading' } : { state: 'none' });
  const [recording, setRecording] = useState<Lookup<{ id: string; tMs: number }>>(isSshRow(row) ? { state: 'loading' } : { state: 'none' });

  useEffect(() => {
    if (!row.approvalRequestId) return;
    let live = true;
    client
      .call('approvals.get', { id: row.approvalRequestId })
      .then((request) => live && setApproval({ state: 'found', value: request }))
      .catch((e: Error) => live && setApproval({ state: 'failed', message: e.message }));
    return () => {
      live = false;
    };
  }, [client, row.approvalRequestId]);

  useEffect(() => {
    if (!isSshRow(row)) return;
    let live = true;
    findRecordingFor(client, row)
      .then((found) => live && setRecording(found ? { state: 'found', value: found } : { state: 'missing' }))
      .catch((e: Error) => live && setRecording({ state: 'failed', message: e.message }));
    return () => {
      live = false;
    };
  }, [client, row]);

  const openSession = () => {
    if (!row.sessionId || !row.connection) return;
    navigate(formatHashRoute(['recordings', 'query', row.sessionId], { connection: row.connection, user: row.user }));
  };

  return (
    <Stack gap="md" data-testid="audit-detail-body" data-record-id={row.id}>
      <Group gap="xs">
        <Badge variant="outline">{row.kind}</Badge>
        {row.decision && <Badge color={decisionColor(row.decision)}>{row.decision}</Badge>}
        {row.statementClass && <Badge variant="light">{row.statementClass}</Badge>}
      </Group>
      {row.text && (row.kind === 'statement' || row.statementClass ? <ReadOnlySql text={row.text} label="Statement" testId="audit-detail-text" /> : <Code block data-testid="audit-detail-text">{row.text}</Code>)}
      <Table variant="vertical" withTableBorder layout="fixed">
        <Table.Tbody>
          <Fact label="Time" value={new Date(row.time).toLocaleString()} />
          <Fact label="User" value={`${row.user}${row.machine ? ' (machine identity)' : ''}`} />
          <Fact label="Connection" value={row.connection ?? '—'} />
          <Fact label="Rule" value={row.rule ?? '—'} />
          {row.rows !== null && <Fact label="Rows" value={formatRowCount(row.rows)} />}
          {row.durationMs !== null && <Fact label="Duration" value={formatDuration(row.durationMs)} />}
          {row.error && <Fact label="Error" value={row.error} />}
          {row.sessionId && <Fact label="Session" value={row.sessionId} />}
          <Fact label="Source" value={row.record.source} />
          <Fact label="Chain" value={`#${row.seq} · ${row.record.hash.slice(0, 16)}…`} />
        </Table.Tbody>
      </Table>
      <Group gap="xs">
        {recording.state === 'loading' && <Loader size="xs" aria-label="Looking for the recording" />}
        {recording.state === 'found' && (
          <Button size="xs" onClick={() => navigate(formatHashRoute(['recordings', recording.value.id], { t: String(Math.ceil(recording.value.tMs)) }))} data-testid="audit-open-recording">
            Open the recording at this moment
          </Button>
        )}
        {recording.state === 'missing' && (
          <Text size="xs" c="dimmed" data-testid="audit-no-recording">
            No recording covers this moment.
          </Text>
        )}
        {recording.state === 'failed' && (
          <Text size="xs" c="red">
            Could not look for the recording: {recording.message}
          </Text>
        )}
        {isQueryRow(row) && row.sessionId && (
          <Button size="xs" variant="default" onClick={openSession} data-testid="audit-open-session">
            Replay the query session
          </Button>
        )}
      </Group>
      {approval.state !== 'none' && (
        <Stack gap={4}>
          <Text fw={600} size="sm">
            Approval
          </Text>
          {approval.state === 'loading' && <Loader size="xs" aria-label="Loading the approval" />}
          {approval.state === 'found' && <ApprovalHistory request={approval.value} />}
          {approval.state === 'failed' && (
            <Alert color="red" variant="light" py={4}>
              Request <Code>{row.approvalRequestId}</Code>: {approval.message}
            </Alert>
          )}
        </Stack>
      )}
      {row.result && (
        <details>
          <summary>The outcome record (#{row.result.seq})</summary>
          <pre className="audit-json">{JSON.stringify(row.result.event, null, 2)}</pre>
        </details>
      )}
      <details>
        <summary>The record as stored</summary>
        <pre className="audit-json" data-testid="audit-detail-json">
          {JSON.stringify(row.record, null, 2)}
        </pre>
      </details>
    </Stack>
  );
}

function Fact({ label, value }: { label: string; value: string }) {
  return (
    <Table.Tr>
      <Table.Th w={120}>{label}</Table.Th>
      <Table.Td style={{ wordBreak: 'break-word' }}>{value}</Table.Td>
    </Table.Tr>
  );
}
