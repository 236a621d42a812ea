import { Alert, Badge, Button, Code, Group, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import { useState } from 'react';
import type { ApprovalRequest } from '../../../shared/api/approvals.ts';
import { useBridge } from '../../bridge/bridge-react.tsx';
import { Countdown } from '../../ui/Countdown.tsx';
import { ReadOnlySql } from '../../ui/ReadOnlySql.tsx';
import { useRoleActions } from '../roles/use-role-actions.ts';
import { canDecide } from './approval-inbox.ts';
import { approvalProgress, approverWords, scopeClass, stateLabel } from './approval-wording.ts';
import { stateColor } from './ApprovalsView.tsx';

/** One request in full: exactly what would run, who asks and why, and the decision controls when I may decide. */
export function ApprovalDetail({ request, mine, onChanged }: { request: ApprovalRequest; mine: boolean; onChanged: (request: ApprovalRequest) => void }) {
  const client = useBridge();
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState<'approve' | 'deny' | 'cancel' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const actions = useRoleActions();
  // Auditors never decide, whatever the server would say about this one request.
  const decidable = canDecide(request) && actions.decideRequests;
  const progress = approvalProgress(request);

  const decide = async (decision: 'approve' | 'deny') => {
    setBusy(decision);
    setError(null);
    try {
      onChanged(await client.call('approvals.decide', { id: request.id, decision, comment: comment.trim() }));
      setComment('');
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };

  const cancelMine = async () => {
    setBusy('cancel');
    setError(null);
    try {
      onChanged(await client.call('approvals.cancel', { id: request.id }));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };

  return (
    <Stack p="md" gap="md" data-testid="approval-detail" data-request-id={request.id} data-state={request.state}>
      <Group justify="space-between">
        <Title order={2} size="h4">
          Request <Code>{request.id}</Code>
        </Title>
        <Badge color={stateColor(request.state)} data-testid="approval-state">
          {stateLabel(request.state)}
        </Badge>
      </Group>
      <ScopeView request={request} />
      <Table variant="vertical" withTableBorder layout="fixed" data-testid="approval-facts">
        <Table.Tbody>
          <Fact label="Requester" value={`${request.requesterName}${request.requesterMachine ? ' (machine identity)' : ''}`} testId="approval-requester" />
          <Fact label="Connection" value={request.connection} testId="approval-connection" />
          <Fact label="Rule" value={`${request.rule} (policy v${request.policyVersion})`} testId="approval-rule" />
          <Fact label="Class" value={scopeClass(request)} testId="approval-class" />
          <Fact label="Justification" value={request.justification ?? '—'} testId="approval-justification" />
          <Fact label="Approvers" value={approverWords(request)} />
          {progress && <Fact label="Progress" value={progress} />}
          <Table.Tr>
            <Table.Th w={140}>Time left</Table.Th>
            <Table.Td>{request.state === 'pending' ? <Countdown until={request.expiresAt} testId="approval-time-left" /> : `closed ${request.decidedAt ? new Date(request.decidedAt).toLocaleString() : ''}`}</Table.Td>
          </Table.Tr>
          <Fact label="Requested" value={new Date(request.createdAt).toLocaleString()} />
        </Table.Tbody>
      </Table>
      {request.decisions.length > 0 && (
        <Stack gap={4} data-testid="approval-decisions">
          <Text fw={600} size="sm">
            Decisions
          </Text>
          {request.decisions.map((d, i) => (
            <Text key={i} size="sm">
              <Badge size="xs" color={d.decision === 'approve' ? 'green' : 'red'} mr={6}>
                {d.decision === 'approve' ? 'approved' : 'denied'}
              </Badge>
              {d.approverName || d.approver}, {new Date(d.at).toLocaleString()}
              {d.comment ? `: “${d.comment}”` : ''}
            </Text>
          ))}
        </Stack>
      )}
      {request.cannotDecideReason && (
        <Alert color="gray" title="You cannot decide this request" data-testid="cannot-decide-reason">
          {request.cannotDecideReason}
        </Alert>
      )}
      {decidable && (
        <Stack gap="xs">
          <Textarea label="Comment" description="The requester sees it with your decision." autosize minRows={2} maxLength={2000} value={comment} onChange={(e) => setComment(e.currentTarget.value)} data-testid="decision-comment" />
          <Group>
            <Button color="green" onClick={() => void decide('approve')} loading={busy === 'approve'} disabled={busy !== null} data-testid="approve-button">
              Approve
            </Button>
            <Button color="red" variant="light" onClick={() => void decide('deny')} loading={busy === 'deny'} disabled={busy !== null} data-testid="deny-button">
              Deny
            </Button>
          </Group>
        </Stack>
      )}
      {mine && request.state === 'pending' && (
        <Group>
          <Button variant="default" onClick={() => void cancelMine()} loading={busy === 'cancel'} data-testid="cancel-request">
            Cancel my request
          </Button>
        </Group>
      )}
      {error && (
        <Alert color="red" role="alert" data-testid="decision-error">
          {error}
        </Alert>
      )}
    </Stack>
  );
}

function Fact({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <Table.Tr>
      <Table.Th w={140}>{label}</Table.Th>
      <Table.Td data-testid={testId}>{value}</Table.Td>
    </Table.Tr>
  );
}

function ScopeView({ request }: { request: ApprovalRequest }) {
  const scope = request.scope;
  switch (scope.kind) {
    case 'statement':
      return <ReadOnlySql text={scope.statement} label="The exact statement that would run" testId="approval-sql" />;
    case 'command':
      return (
        <Code block data-testid="approval-command" aria-label="The exact command that would run">
          {scope.command}
        </Code>
      );
    case 'session':
      return <Text data-testid="approval-session-scope">Access to a whole session for {Math.round(scope.durationMs / 60_000)} minutes.</Text>;
    default:
      return scope satisfies never;
  }
}
