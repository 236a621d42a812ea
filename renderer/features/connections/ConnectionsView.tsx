import { Alert, Badge, Button, Code, Group, List, Loader, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useCallback, useEffect, useState } from 'react';
import type { ConnectionView, LocalPort } from '../../../shared/bridge/connections-bridge.ts';
import { useBridge, useLinkStatus } from '../../bridge/bridge-react.tsx';
import { formatHashRoute } from '../app-shell/hash-route.ts';
import { navigate } from '../app-shell/use-hash-route.ts';
import { useRoleActions } from '../roles/use-role-actions.ts';
import { LocalPortModal } from './LocalPortModal.tsx';

/** The connections I may use, what their policy does in plain words, and the two ways in. */
export function ConnectionsView() {
  const client = useBridge();
  const actions = useRoleActions();
  const link = useLinkStatus();
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 200);
  const [connections, setConnections] = useState<ConnectionView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [port, setPort] = useState<LocalPort | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    if (link.state !== 'open') return;
    let live = true;
    client
      .call('connections.list', q ? { q } : {})
      .then((result) => {
        if (!live) return;
        setConnections(result.connections);
        setError(null);
      })
      .catch((e: Error) => {
        if (live) setError(e.message);
      });
    return () => {
      live = false;
    };
  }, [client, q, reload, link.state]);

  const openLocalPort = useCallback(
    async (name: string) => {
      setBusy(name);
      try {
        setPort(await client.call('connections.openLocalPort', { connection: name }));
        setReload((n) => n + 1);
      } catch (e) {
        setError((e as Error).message);
      } finally {
        setBusy(null);
      }
    },
    [client],
  );

  const closeLocalPort = useCallback(
    async (name: string) => {
      setBusy(name);
      try {
        await client.call('connections.closeLocalPort', { connection: name });
        setReload((n) => n + 1);
      } catch (e) {
        setError((e as Error).message);
      } finally {
        setBusy(null);
      }
    },
    [client],
  );

  return (
    <Stack p="md" gap="md" maw={1000}>
      <Group justify="space-between" align="flex-end">
        <Title order={2} size="h3">
          Connections
        </Title>
        <TextInput
          placeholder="Search by name, description or target"
          aria-label="Search connections"
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          w={320}
          type="search"
          data-testid="connection-search"
        />
      </Group>
      {error && (
        <Alert color="red" title="Could not load connections" role="alert" data-testid="connections-error">
          {error}
        </Alert>
      )}
      {connections === null && !error && <Loader aria-label="Loading connections" />}
      {connections?.length === 0 && (
        <Text c="dimmed" data-testid="connections-empty">
          {q ? `No connection matches “${q}”.` : 'No connections are available to you yet.'}
        </Text>
      )}
      <Stack component="ul" gap="sm" p={0} m={0} style={{ listStyle: 'none' }} aria-label="Connections">
        {connections?.map((connection) => (
          <Paper component="li" key={connection.name} withBorder p="md" data-testid={`connection-${connection.name}`} data-kind={connection.kind} aria-labelledby={`connection-${connection.name}-name`}>
            <Stack gap="xs">
              <Group justify="space-between" wrap="wrap">
                <Group gap="xs">
                  <Title order={3} size="h4" id={`connection-${connection.name}-name`}>
                    {connection.name}
                  </Title>
                  <Badge variant="light">{connection.kind === 'postgres' ? 'PostgreSQL' : 'SSH'}</Badge>
                  {connection.open && (
                    <Badge color="green" variant="dot" data-testid="local-port-open">
                      local port open
                    </Badge>
                  )}
                </Group>
                {actions.openConnections && (
                <Group gap="xs">
                  {connection.kind === 'postgres' && (
                    <Button size="xs" onClick={() => navigate(formatHashRoute(['query'], { open: connection.name }))} data-testid="open-in-query">
                      Open in query pane
                    </Button>
                  )}
                  {connection.kind === 'ssh' && (
                    <Button size="xs" onClick={() => navigate(formatHashRoute(['terminals'], { open: connection.name }))} data-testid="open-terminal">
                      Open terminal
                    </Button>
                  )}
                  <Button size="xs" variant="default" onClick={() => void openLocalPort(connection.name)} loading={busy === connection.name} data-testid="open-local-port">
                    Open local port
                  </Button>
                  {connection.open && (
                    <Button size="xs" variant="subtle" color="red" onClick={() => void closeLocalPort(connection.name)} disabled={busy === connection.name} data-testid="close-local-port">
                      Close local port
                    </Button>
                  )}
                </Group>
                )}
              </Group>
              {connection.description && <Text size="sm">{connection.description}</Text>}
              <Text size="xs" c="dimmed">
                <Code>{connection.target}</Code> · policy v{connection.policyVersion}
              </Text>
              {connection.policySummary.length > 0 && (
                <div>
                  <Text size="sm" fw={600} id={`connection-${connection.name}-policy`}>
                    What the policy does
                  </Text>
                  <List size="sm" spacing={2} aria-labelledby={`connection-${connection.name}-policy`} data-testid="policy-summary">
                    {connection.policySummary.map((line) => (
                      <List.Item key={line}>{line}</List.Item>
                    ))}
                  </List>
                </div>
              )}
            </Stack>
          </Paper>
        ))}
      </Stack>
      <LocalPortModal port={port} onClose={() => setPort(null)} />
    </Stack>
  );
}
