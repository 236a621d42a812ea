import { Button, Group, Select, Text, Title } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import type { ConnectionView } from '../../../shared/bridge/connections-bridge.ts';
import { useBridge, useBridgeEvent, useLinkStatus } from '../../bridge/bridge-react.tsx';
import { ConnectionTabStrip } from '../../ui/ConnectionTabStrip.tsx';
import { PlusIcon } from '../../ui/icons.tsx';
import { useConnectionTabs } from '../../ui/use-connection-tabs.ts';
import type { HashRoute } from '../app-shell/hash-route.ts';
import { replaceRoute } from '../app-shell/use-hash-route.ts';
import { QueryEventRouter } from './query-event-router.ts';
import { QueryTabPanel } from './QueryTabPanel.tsx';

/** The query pane: tabs, each bound to one connection. `#/query?open=<connection>` opens (or focuses) a tab for it. */
export function QueryView({ route }: { route: HashRoute }) {
  const client = useBridge();
  const link = useLinkStatus();
  const router = useMemo(() => new QueryEventRouter(), []);
  const { tabs, current, showTab, openTab, showTabFor, closeTab } = useConnectionTabs('tab');
  const [connections, setConnections] = useState<ConnectionView[]>([]);
  const [picked, setPicked] = useState<string | null>(null);

  useBridgeEvent('query.event', (event) => router.deliver(event));

  useEffect(() => {
    if (link.state !== 'open') return;
    client
      .call('connections.list', {})
      .then((result) => setConnections(result.connections.filter((c) => c.kind === 'postgres')))
      .catch(() => undefined);
  }, [client, link.state]);

  const openRequest = route.segments[0] === 'query' ? (route.params.open ?? null) : null;
  useEffect(() => {
    if (!openRequest) return;
    if (!showTabFor(openRequest)) openTab(openRequest);
    // Handled: drop the parameter so opening the same connection again is a new request.
    replaceRoute('#/query');
  }, [openRequest]);

  return (
    <div className="query-view">
      <Group justify="space-between" className="query-view-header" wrap="nowrap">
        <Title order={2} size="h4">
          Query
        </Title>
        <Group gap="xs" wrap="nowrap">
          <Select
            size="xs"
            placeholder="Connection"
            aria-label="Connection for a new tab"
            data={connections.map((c) => c.name)}
            value={picked}
            onChange={setPicked}
            searchable
            data-testid="new-tab-connection"
          />
          <Button size="xs" variant="default" leftSection={<PlusIcon size={14} />} disabled={!picked} onClick={() => picked && openTab(picked)} data-testid="new-tab">
            New tab
          </Button>
        </Group>
      </Group>
      {tabs.length === 0 ? (
        <Text c="dimmed" p="md" data-testid="query-empty">
          No tab open. Pick a connection above, or use “Open in query pane” on the Connections page.
        </Text>
      ) : (
        <>
          <ConnectionTabStrip
            tabs={tabs}
            currentId={current?.id ?? null}
            onShow={showTab}
            onClose={closeTab}
            label="Query tabs"
            closeLabel={(title) => `Close tab ${title}`}
            deleteCloses
            tabTestId="query-tab"
            closeTestId="close-tab"
          />
          {tabs.map((tab) => (
            <div key={tab.id} role="tabpanel" id={`${tab.id}-panel`} aria-labelledby={`${tab.id}-tab`} hidden={tab.id !== current?.id} className="query-tab-panel">
              <QueryTabPanel tab={tab} router={router} active={tab.id === current?.id} />
            </div>
          ))}
        </>
      )}
    </div>
  );
}
