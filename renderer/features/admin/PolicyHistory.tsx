import { Badge, Button, Group, Loader, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import type { PolicyVersion } from '../../../shared/api/connections.ts';
import { useBridge } from '../../bridge/bridge-react.tsx';
import { DiffView } from './DiffView.tsx';
import { parseUnifiedDiff, type DiffLine } from './line-diff.ts';

/** Every version of the connection's policy, newest first: who changed it, why, and what changed. */
export function PolicyHistory({ connection, versions, onRestore }: { connection: string; versions: readonly PolicyVersion[]; onRestore: (version: PolicyVersion) => void }) {
  const client = useBridge();
  const [open, setOpen] = useState<{ version: number; lines: DiffLine[] } | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const newestFirst = [...versions].sort((a, b) => b.version - a.version);

  const showChanges = async (version: number) => {
    if (open?.version === version) {
      setOpen(null);
      return;
    }
    setBusy(version);
    setError(null);
    try {
      const diff = await client.call('admin.policyDiff', { connection, from: version - 1, to: version });
      setOpen({ version, lines: parseUnifiedDiff(diff.diff) });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };

  return (
    <Stack gap="xs" data-testid="policy-history">
      {error && (
        <Text size="xs" c="red" role="alert">
          {error}
        </Text>
      )}
      {newestFirst.map((v, index) => (
        <div key={v.version} className="policy-version" data-testid={`policy-version-${v.version}`}>
          <Group justify="space-between" wrap="wrap" gap="xs">
            <Group gap="xs">
              <Badge variant={index === 0 ? 'filled' : 'light'}>v{v.version}</Badge>
              {index === 0 && (
                <Text size="xs" c="dimmed">
                  current
                </Text>
              )}
              <Text size="sm">{v.author}</Text>
              <Text size="xs" c="dimmed">
                {new Date(v.createdAt).toLocaleString()}
              </Text>
            </Group>
            <Group gap={4}>
              {v.version > 1 && (
                <Button size="compact-xs" variant="subtle" onClick={() => void showChanges(v.version)} data-testid="policy-version-diff">
                  {open?.version === v.version ? 'Hide changes' : 'Changes'}
                  {busy === v.version && <Loader size={10} ml={4} />}
                </Button>
              )}
              {index > 0 && (
                <Button size="compact-xs" variant="subtle" onClick={() => onRestore(v)} data-testid="policy-version-restore">
                  Load into editor
                </Button>
              )}
            </Group>
          </Group>
          <Text size="sm" mt={2}>
            {v.reason || <em>no reason given</em>}
          </Text>
          {open?.version === v.version && <DiffView lines={open.lines} label={`Changes in version ${v.version}`} testId="policy-version-changes" />}
        </div>
      ))}
    </Stack>
  );
}
