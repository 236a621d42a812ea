import './terminals.css';
import { Alert, Button, Group, Select, Text, Title } from '@mantine/core';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { ConnectionView } from '../../../shared/bridge/connections-bridge.ts';
import { useBridge, useBridgeEvent } from '../../bridge/bridge-react.tsx';
import { ConnectionTabStrip } from '../../ui/ConnectionTabStrip.tsx';
import { PlusIcon } from '../../ui/icons.tsx';
import { useConnectionTabs } from '../../ui/use-connection-tabs.ts';
import type { HashRoute } from '../app-shell/hash-route.ts';
import { replaceRoute } from '../app-shell/use-hash-route.ts';
import { useRoleActions } from '../roles/use-role-actions.ts';
import { TerminalEventRouter } from './terminal-event-router.ts';
import { TerminalPane } from './TerminalPane.tsx';
import { TerminalSettingsMenu } from './TerminalSettingsMenu.tsx';
import { useTerminalSettings } from './use-terminal-settings.ts';

/** SSH terminals in tabs. `#/terminals?open=<connection>` opens a new tab on that connection. */
export function TerminalsView({ route }: { route: HashRoute }) {
  const client = useBridge();
  const actions = useRoleActions();
  const router = useMemo(() => new TerminalEventRouter(), []);
  const [settings, setSettings] = useTerminalSettings();
  const { tabs, current, showTab, openTab, closeTab } = useConnectionTabs('term');
  const [connections, setConnections] = useState<ConnectionView[]>([]);
  const [picked, setPicked] = useState<string | null>(null);

  useBridgeEvent('terminal.event', (event) => router.deliver(event));

  useEffect(() => {
    if (!actions.openConnections) return;
    client
      .call('connections.list', {})
      .then((result) => setConnections(result.connections.filter((c) => c.kind === 'ssh')))
      .catch(() => undefined);
  }, [client, actions.openConnections]);

  const openRequest = route.segments[0] === 'terminals' ? (route.params.open ?? null) : null;
  // One tab per request, also when React runs the effect twice (StrictMode) before the parameter is gone.
  const handledRequest = useRef<string | null>(null);
  useEffect(() => {
    if (!openRequest) {
      handledRequest.current = null;
      return;
    }
    if (handledRequest.current === openRequest) return;
    handledRequest.current = openRequest;
    if (actions.openConnections) openTab(openRequest);
    replaceRoute('#/terminals');
  }, [openRequest, actions.openConnections]);

  if (!actions.openConnections) {
    return (
      <Alert m="md" color="gray" title="Terminals are not available to you" data-testid="terminals-not-allowed">
        Auditors replay recorded sessions (Recordings) but never open one.
      </Alert>
    );
  }

  return (
    <div className="terminals-view">
      <Group justify="space-between" className="terminals-header" wrap="nowrap">
        <Title order={2} size="h4">
          Terminals
        </Title>
        <Group gap="xs" wrap="nowrap">
          <Select
            size="xs"
            placeholder="SSH connection"
            aria-label="Connection for a new terminal"
            data={connections.map((c) => c.name)}
            value={picked}
            onChange={setPicked}
            searchable
            data-testid="terminal-new-connection"
          />
          <Button size="xs" variant="default" leftSection={<PlusIcon size={14} />} disabled={!picked} onClick={() => picked && openTab(picked)} data-testid="terminal-new-tab">
            New terminal
          </Button>
          <TerminalSettingsMenu settings={settings} onChange={setSettings} />
        </Group>
      </Group>
      {tabs.length === 0 ? (
        <Text c="dimmed" p="md" data-testid="terminals-empty">
          No terminal open. Pick an SSH connection above, or use “Open terminal” on the Connections page.
        </Text>
      ) : (
        <>
          <ConnectionTabStrip
            tabs={tabs}
            currentId={current?.id ?? null}
            onShow={showTab}
            onClose={closeTab}
            label="Terminal tabs"
            closeLabel={(title) => `Close terminal ${title}`}
            deleteCloses={false}
            tabTestId="terminal-tab"
            closeTestId="terminal-close-tab"
          />
          {tabs.map((tab) => (
            <div key={tab.id} role="tabpanel" id={`${tab.id}-panel`} aria-labelledby={`${tab.id}-tab`} hidden={tab.id !== current?.id} className="terminal-tab-panel">
              <TerminalPane tab={tab} router={router} active={tab.id === current?.id} settings={settings} onClose={() => closeTab(tab.id)} />
            </div>
          ))}
        </>
      )}
    </div>
  );
}
