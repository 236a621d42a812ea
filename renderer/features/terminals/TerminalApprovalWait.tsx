import { Alert, Badge, Button, Code, Group, Loader, Stack, Text } from '@mantine/core';
import type { ApprovalRequest } from '../../../shared/api/approvals.ts';
import { Countdown } from '../../ui/Countdown.tsx';
import { ClockIcon } from '../../ui/icons.tsx';
import { approvalProgress, approverWords, scopeSummary } from '../approvals/approval-wording.ts';

/** The session is held until someone else approves it: which request, whose decision, how long it may wait. */
export function TerminalApprovalWait({ request, cancelling, onCancel }: { request: ApprovalRequest; cancelling: boolean; onCancel: () => void }) {
  const progress = approvalProgress(request);
  return (
    <Alert variant="light" color="yellow" icon={<ClockIcon />} title="Waiting for approval" data-testid="terminal-approval-wait" data-request-id={request.id} role="status">
      <Stack gap="xs">
        <Group gap="xs" wrap="wrap">
          <Loader size="xs" type="dots" aria-hidden="true" />
          <Text size="sm">
            {scopeSummary(request)}: request <Code data-testid="terminal-approval-request-id">{request.id}</Code> needs approval by{' '}
            <strong data-testid="terminal-approval-approvers">{approverWords(request)}</strong> (rule <Code>{request.rule}</Code>).
          </Text>
        </Group>
        <Group gap="md">
          <Text size="sm">
            Expires in <Countdown until={request.expiresAt} testId="terminal-approval-countdown" fw={600} />
          </Text>
          {progress && <Badge variant="outline">{progress}</Badge>}
        </Group>
        <Text size="xs" c="dimmed">
          The session starts here as soon as the request is approved.
        </Text>
        <Group>
          <Button variant="default" color="red" onClick={onCancel} loading={cancelling} data-testid="terminal-cancel-approval">
            Cancel request
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}
