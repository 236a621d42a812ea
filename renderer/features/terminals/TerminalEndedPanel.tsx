import { Alert, Button, Group, Text } from '@mantine/core';
import { endedTitle, type TerminalPhase } from './terminal-phase.ts';

/** A session that is over, or lost: why, and a way to start a new one in the same tab. */
export function TerminalEndedPanel({ phase, onReconnect, onClose }: { phase: Extract<TerminalPhase, { kind: 'ended' | 'lost' }>; onReconnect: () => void; onClose: () => void }) {
  const lost = phase.kind === 'lost';
  const failed = phase.kind === 'ended' && (phase.reason === 'refused' || phase.reason === 'failed');
  return (
    <Alert
      variant="light"
      color={lost || failed ? 'red' : 'gray'}
      title={endedTitle(phase)}
      role={lost || failed ? 'alert' : 'status'}
      data-testid="terminal-ended"
      data-state={phase.kind}
      data-reason={phase.kind === 'ended' ? phase.reason : 'lost'}
      className="terminal-ended"
    >
      <Group justify="space-between" wrap="wrap" gap="sm">
        {phase.message && <Text size="sm">{phase.message}</Text>}
        <Group gap="xs">
          <Button size="xs" onClick={onReconnect} data-testid="terminal-reconnect">
            Reconnect
          </Button>
          <Button size="xs" variant="default" onClick={onClose}>
            Close tab
          </Button>
        </Group>
      </Group>
    </Alert>
  );
}
