import { ActionIcon, Code, CopyButton, Group, Modal, Stack, Text, Tooltip } from '@mantine/core';
import type { LocalPort } from '../../../shared/bridge/connections-bridge.ts';

function CopyRow({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <Stack gap={4}>
      <Text size="sm" fw={600}>
        {label}
      </Text>
      <Group gap="xs" wrap="nowrap" align="flex-start">
        <Code block style={{ flex: 1, whiteSpace: 'pre-wrap', wordBreak: 'break-all' }} data-testid={testId}>
          {value}
        </Code>
        <CopyButton value={value}>
          {({ copied, copy }) => (
            <Tooltip label={copied ? 'Copied' : `Copy ${label.toLowerCase()}`}>
              <ActionIcon variant="default" onClick={copy} aria-label={`Copy ${label.toLowerCase()}`} data-testid={`copy-${testId}`}>
                {copied ? '✓' : '⧉'}
              </ActionIcon>
            </Tooltip>
          )}
        </CopyButton>
      </Group>
    </Stack>
  );
}

/** The local listener for a connection: a command to paste into a terminal and the URL for any client. */
export function LocalPortModal({ port, onClose }: { port: LocalPort | null; onClose: () => void }) {
  return (
    <Modal opened={port !== null} onClose={onClose} title={port ? `Local port for ${port.connection}` : ''} size="lg" data-testid="local-port-dialog">
      {port && (
        <Stack>
          <Text size="sm">
            Listening on <Code>{port.listening}</Code>. Anyone using this address acts as you; Gatehouse still applies the policy and records everything.
          </Text>
          <CopyRow label="Command" value={port.command} testId="local-port-command" />
          <CopyRow label="URL" value={port.url} testId="local-port-url" />
        </Stack>
      )}
    </Modal>
  );
}
