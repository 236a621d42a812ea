import { Alert, Code, Stack, Text } from '@mantine/core';
import type { ApprovalRequest } from '../../../shared/api/approvals.ts';
import { finalVerdict, stateLabel } from '../approvals/approval-wording.ts';
import type { RunError } from './query-run.ts';

/** The wait ended without a result: denied (with the approver's comment), expired or cancelled. */
export function ApprovalOutcomePanel({ request, error }: { request: ApprovalRequest; error: RunError }) {
  const verdict = request.state === 'denied' ? finalVerdict(request) : null;
  const title = request.state === 'pending' ? 'The request ended' : `Request ${stateLabel(request.state).toLowerCase()}`;
  return (
    <Alert color="red" variant="light" title={title} data-testid="approval-outcome" data-state={request.state} data-request-id={request.id} role="alert">
      <Stack gap={4}>
        {verdict && (
          <Text size="sm" data-testid="approval-denial">
            Denied by <strong>{verdict.by}</strong>
            {verdict.comment ? (
              <>
                : “<span data-testid="approval-denial-comment">{verdict.comment}</span>”
              </>
            ) : (
              ' without a comment.'
            )}
          </Text>
        )}
        {request.state === 'expired' && <Text size="sm">Nobody decided before it expired, so the statement was not run.</Text>}
        {request.state === 'cancelled' && <Text size="sm">The request was cancelled; the statement was not run.</Text>}
        <Text size="sm" c="dimmed">
          {error.sqlstate ? (
            <>
              <Code>{error.sqlstate}</Code>{' '}
            </>
          ) : null}
          {error.message}
        </Text>
        <Text size="xs" c="dimmed">
          Request <Code>{request.id}</Code>
        </Text>
      </Stack>
    </Alert>
  );
}
