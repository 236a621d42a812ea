import { Badge, Button, Group, Text } from '@mantine/core';
import { useState } from 'react';
import type { AuditVerify } from '../../../shared/api/audit.ts';
import { useBridge } from '../../bridge/bridge-react.tsx';

type Check = { state: 'unknown' } | { state: 'checking' } | { state: 'done'; result: AuditVerify; at: Date } | { state: 'failed'; message: string };

/** Whether the hash chain of the whole log is intact, and if not, the first record where it breaks. */
export function ChainStatus() {
  const client = useBridge();
  const [check, setCheck] = useState<Check>({ state: 'unknown' });

  const verify = async () => {
    setCheck({ state: 'checking' });
    try {
      setCheck({ state: 'done', result: await client.call('audit.verify', {}), at: new Date() });
    } catch (e) {
      setCheck({ state: 'failed', message: (e as Error).message });
    }
  };

  const dataState = check.state === 'done' ? (check.result.ok ? 'intact' : 'broken') : check.state === 'failed' ? 'error' : check.state;
  return (
    <Group gap="xs" wrap="nowrap">
      <Button size="xs" variant="default" onClick={() => void verify()} loading={check.state === 'checking'} data-testid="audit-verify">
        Verify chain
      </Button>
      <div data-testid="chain-status" data-state={dataState} role="status" aria-live="polite">
        {check.state === 'unknown' && (
          <Text size="xs" c="dimmed">
            Chain not checked yet
          </Text>
        )}
        {check.state === 'checking' && (
          <Text size="xs" c="dimmed">
            Checking every record…
          </Text>
        )}
        {check.state === 'failed' && (
          <Text size="xs" c="red">
            Could not verify: {check.message}
          </Text>
        )}
        {check.state === 'done' && check.result.ok && (
          <Group gap={6} wrap="nowrap">
            <Badge color="green">Intact</Badge>
            <Text size="xs" c="dimmed">
              {check.result.checked.toLocaleString()} records checked at {check.at.toLocaleTimeString()}
            </Text>
          </Group>
        )}
        {check.state === 'done' && !check.result.ok && (
          <Group gap={6} wrap="nowrap">
            <Badge color="red">Broken</Badge>
            <Text size="xs" c="red" data-testid="chain-broken-at" data-seq={check.result.firstBroken?.seq ?? ''}>
              {check.result.firstBroken
                ? `at record #${check.result.firstBroken.seq} (${check.result.firstBroken.id}): ${check.result.firstBroken.reason}`
                : 'the server found a problem but did not say where'}
            </Text>
          </Group>
        )}
      </div>
    </Group>
  );
}
