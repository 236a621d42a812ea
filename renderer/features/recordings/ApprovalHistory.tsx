import { Badge, Code, Text } from '@mantine/core';
import type { ApprovalRequest } from '../../../shared/api/approvals.ts';
import { stateLabel } from '../approvals/approval-wording.ts';

/** A request and every decision on it, in order. */
export function ApprovalHistory({ request }: { request: ApprovalRequest }) {
  return (
    <div className="approval-history" data-testid="approval-history" data-request-id={request.id}>
      <Text size="xs">
        Approval request <Code>{request.id}</Code> by {request.requesterName}, {stateLabel(request.state).toLowerCase()} · rule <Code>{request.rule}</Code>
        {request.justification ? ` · “${request.justification}”` : ''}
      </Text>
      {request.decisions.length === 0 && (
        <Text size="xs" c="dimmed">
          No decision.
        </Text>
      )}
      {request.decisions.map((d, i) => (
        <Text size="xs" key={i} data-testid="approval-history-decision" data-decision={d.decision}>
          <Badge size="xs" color={d.decision === 'approve' ? 'green' : 'red'} mr={4}>
            {d.decision === 'approve' ? 'approved' : 'denied'}
          </Badge>
          {d.approverName || d.approver} at {new Date(d.at).toLocaleString()}
          {d.comment ? `: “${d.comment}”` : ''}
        </Text>
      ))}
    </div>
  );
}
