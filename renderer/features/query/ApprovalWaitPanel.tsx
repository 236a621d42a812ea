import { Alert, Badge, Button, Code, Group, Loader, Stack, Text } from '@mantine/core';
import type { ApprovalRequest } from '../../../shared/api/approvals.ts';
import { Countdown } from '../../ui/Countdown.tsx';
import { ClockIcon } from '../../ui/icons.tsx';
import { approvalProgress, approverWords } from '../approvals/approval-wording.ts';

/** The statement is held until someone else decides: what was asked, of whom, and how long it can wait. */
export function ApprovalWaitPanel({ request, cancelling, onCancel }: { request: ApprovalRequest; cancelling: boolean; onCancel: () => void }) {
  const progress = approvalProgress(request);
  // Between the decision and the first result the request already reads approved: say so rather than "waiting".
  const approved = request.state === 'approved';
  return (
    <Alert variant="light" color={approved ? 'green' : 'yellow'} icon={<ClockIcon />} title={approved ? 'Approved — running the statement' : 'Waiting for approval'} data-testid="approval-wait" data-request-id={request.id} role="status">
      <Stack gap="xs">
        <Group gap="xs" wrap="wrap">
          <Loader size="xs" type="dots" aria-hidden="true" />
          <Text size="sm">
            Request <Code data-testid="approval-request-id">{request.id}</Code> needs approval by <strong data-testid="approval-approver-groups">{approverWords(request)}</strong> (rule{' '}
            <Code>{request.rule}</Code>).
          </Text>
        </Group>
        {request.justification && (
          <Text size="sm">
            Your justification: <em>{request.justification}</em>
          </Text>
        )}
        <Group gap="md">
          <Text size="sm">
            Expires in <Countdown until={request.expiresAt} testId="approval-countdown" fw={600} />
          </Text>
          {progress && <Badge variant="outline">{progress}</Badge>}
        </Group>
        <Text size="xs" c="dimmed">
          The result appears here as soon as the request is approved. You can keep working in other tabs.
        </Text>
        <Group>
          <Button variant="default" color="red" onClick={onCancel} loading={cancelling} data-testid="cancel-approval">
            Cancel request
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}
