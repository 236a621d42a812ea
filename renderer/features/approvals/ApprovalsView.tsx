import { Alert, Badge, Group, Loader, Stack, Text, Title, UnstyledButton } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { ApprovalRequest } from '../../../shared/api/approvals.ts';
import { useBridge, useBridgeEvent, useLinkStatus } from '../../bridge/bridge-react.tsx';
import { Countdown } from '../../ui/Countdown.tsx';
import { formatHashRoute } from '../app-shell/hash-route.ts';
import { usePendingApprovalCount } from '../app-shell/pending-approvals.tsx';
import { useSessionUser } from '../app-shell/session-user.tsx';
import { ApprovalDetail } from './ApprovalDetail.tsx';
import { groupInbox, mergeRequests, upsertRequest } from './approval-inbox.ts';
import { scopeClass, scopeSummary, stateLabel } from './approval-wording.ts';

/** The approval inbox: what I may decide, my own requests, and decided ones for reference; the detail of the selected one. */
export function ApprovalsView({ selectedId }: { selectedId: string | null }) {
  const client = useBridge();
  const link = useLinkStatus();
  const me = useSessionUser();
  const pendingCount = usePendingApprovalCount();
  const [requests, setRequests] = useState<ApprovalRequest[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [extra, setExtra] = useState<ApprovalRequest | null>(null);

  useEffect(() => {
    if (link.state !== 'open') return;
    let live = true;
    client
      .call('approvals.inbox', {})
      .then((inbox) => {
        if (!live) return;
        setRequests((current) => mergeRequests(current ?? [], inbox.requests));
        setError(null);
      })
      .catch((e: Error) => {
        if (live) setError(e.message);
      });
    return () => {
      live = false;
    };
  }, [client, link.state, pendingCount]);

  useBridgeEvent('approvals.changed', (request) => {
    setRequests((current) => upsertRequest(current ?? [], request));
  });

  const listed = selectedId ? requests?.find((r) => r.id === selectedId) : undefined;
  // A deep link can name a request that is not in my inbox list (e.g. decided long ago): fetch it on its own.
  useEffect(() => {
    if (!selectedId || listed || requests === null) return;
    let live = true;
    client
      .call('approvals.get', { id: selectedId })
      .then((request) => {
        if (live) setExtra(request);
      })
      .catch((e: Error) => {
        if (live) setError(`Request ${selectedId}: ${e.message}`);
      });
    return () => {
      live = false;
    };
  }, [client, selectedId, listed, requests]);

  const selected = listed ?? (extra?.id === selectedId ? extra : null);
  const groups = groupInbox(requests ?? [], me?.subject ?? null);

  return (
    <div className="approvals-view">
      <Stack className="approvals-list" p="md" gap="md">
        <Group gap="xs">
          <Title order={2} size="h3">
            Approvals
          </Title>
          {pendingCount > 0 && (
            <Badge color="red" data-testid="inbox-pending-count">
              {pendingCount} to decide
            </Badge>
          )}
        </Group>
        {error && (
          <Alert color="red" role="alert" data-testid="approvals-error">
            {error}
          </Alert>
        )}
        {requests === null && !error && <Loader aria-label="Loading approvals" />}
        {requests !== null && (
          <>
            <InboxSection title="Waiting for you" empty="Nothing waits for your decision." requests={groups.toDecide} selectedId={selectedId} testId="inbox-to-decide" />
            <InboxSection title="Your requests" empty="You have not asked for any approval." requests={groups.mine} selectedId={selectedId} testId="inbox-mine" />
            <InboxSection title="Decided and other requests" empty="None." requests={groups.other} selectedId={selectedId} testId="inbox-other" />
          </>
        )}
      </Stack>
      <div className="approvals-detail">
        {selected ? (
          <ApprovalDetail key={selected.id} request={selected} mine={me !== null && selected.requester === me.subject} onChanged={(r) => setRequests((current) => upsertRequest(current ?? [], r))} />
        ) : (
          <Text c="dimmed" p="md">
            {selectedId && requests !== null ? 'Loading the request…' : 'Select a request to see exactly what it would run.'}
          </Text>
        )}
      </div>
    </div>
  );
}

function InboxSection({ title, empty, requests, selectedId, testId }: { title: string; empty: string; requests: ApprovalRequest[]; selectedId: string | null; testId: string }) {
  const headingId = `${testId}-heading`;
  return (
    <section aria-labelledby={headingId} data-testid={testId}>
      <Text fw={600} size="sm" id={headingId} mb={4}>
        {title} ({requests.length})
      </Text>
      {requests.length === 0 ? (
        <Text size="sm" c="dimmed">
          {empty}
        </Text>
      ) : (
        <Stack component="ul" gap={4} p={0} m={0} style={{ listStyle: 'none' }}>
          {requests.map((request) => (
            <li key={request.id}>
              <InboxItem request={request} selected={request.id === selectedId} />
            </li>
          ))}
        </Stack>
      )}
    </section>
  );
}

function InboxItem({ request, selected }: { request: ApprovalRequest; selected: boolean }) {
  return (
    <UnstyledButton
      component="a"
      href={formatHashRoute(['approvals', request.id])}
      className={`inbox-item${selected ? ' is-selected' : ''}`}
      aria-current={selected ? 'true' : undefined}
      data-testid={`approval-${request.id}`}
      data-state={request.state}
    >
      <Group justify="space-between" gap="xs" wrap="nowrap">
        <Text size="sm" fw={600} truncate>
          {request.requesterName} · {request.connection}
        </Text>
        <Group gap={4} wrap="nowrap">
          <Badge size="xs" variant="outline">
            {scopeClass(request)}
          </Badge>
          <Badge size="xs" color={stateColor(request.state)}>
            {stateLabel(request.state)}
          </Badge>
        </Group>
      </Group>
      <Text size="xs" ff="monospace" lineClamp={2} c="dimmed">
        {scopeSummary(request)}
      </Text>
      <Text size="xs" c="dimmed">
        {new Date(request.createdAt).toLocaleString()}
        {request.state === 'pending' && (
          <>
            {' · '}
            <Countdown until={request.expiresAt} size="xs" /> left
          </>
        )}
      </Text>
    </UnstyledButton>
  );
}

export function stateColor(state: ApprovalRequest['state']): string {
  switch (state) {
    case 'pending':
      return 'yellow';
    case 'approved':
    case 'executed':
      return 'green';
    case 'denied':
      return 'red';
    case 'expired':
    case 'cancelled':
      return 'gray';
    default:
      return state satisfies never;
  }
}
