import './admin.css';
import { Alert, Badge, Code, Group, List, Loader, NavLink, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { ConnectionView } from '../../../shared/bridge/connections-bridge.ts';
import { useBridge } from '../../bridge/bridge-react.tsx';
import { formatHashRoute } from '../app-shell/hash-route.ts';
import { useRoleActions } from '../roles/use-role-actions.ts';
import { PolicyPanel } from './PolicyPanel.tsx';

/** Admins: every connection, and each one's policy with its editor and history. `#/admin/<connection>` selects one. */
export function AdminView({ selected }: { selected: string | null }) {
  const client = useBridge();
  const actions = useRoleActions();
  const [connections, setConnections] = useState<ConnectionView[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!actions.administer) return;
    let live = true;
    client
      .call('connections.list', {})
      .then((result) => live && setConnections(result.connections))
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [client, actions.administer]);

  if (!actions.administer) {
    return (
      <Alert m="md" color="gray" title="Administration is for admins" data-testid="admin-not-allowed">
        Connections and policies are managed by people with the admin role.
      </Alert>
    );
  }

  const current = connections?.find((c) => c.name === selected) ?? null;
  return (
    <div className="admin-view">
      <nav className="admin-list" aria-label="Connections">
        <Title order={2} size="h4" p="sm">
          Connections
        </Title>
        {error && (
          <Text c="red" size="sm" p="sm" role="alert">
            {error}
          </Text>
        )}
        {!connections && !error && <Loader m="sm" size="sm" aria-label="Loading connections" />}
        {connections?.map((c) => (
          <NavLink
            key={c.name}
            component="a"
            href={formatHashRoute(['admin', c.name])}
            label={c.name}
            description={`${c.kind === 'postgres' ? 'PostgreSQL' : 'SSH'} · policy v${c.policyVersion}`}
            active={c.name === selected}
            data-testid={`admin-connection-${c.name}`}
          />
        ))}
      </nav>
      <div className="admin-detail">
        {current ? (
          <Stack gap="md" p="md">
            <Stack gap={4}>
              <Group gap="xs">
                <Title order={2} size="h3">
                  {current.name}
                </Title>
                <Badge variant="light">{current.kind === 'postgres' ? 'PostgreSQL' : 'SSH'}</Badge>
              </Group>
              {current.description && <Text size="sm">{current.description}</Text>}
              <Text size="xs" c="dimmed">
                <Code>{current.target}</Code>
              </Text>
              {current.policySummary.length > 0 && (
                <List size="sm" spacing={2}>
                  {current.policySummary.map((line) => (
                    <List.Item key={line}>{line}</List.Item>
                  ))}
                </List>
              )}
            </Stack>
            <PolicyPanel connection={current.name} />
          </Stack>
        ) : (
          <Text c="dimmed" p="md" data-testid="admin-pick">
            {connections && connections.length === 0 ? 'There are no connections yet.' : 'Pick a connection to see and edit its policy.'}
          </Text>
        )}
      </div>
    </div>
  );
}
