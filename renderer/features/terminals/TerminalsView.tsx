import './terminals.css';
import { ActionIcon, Alert, Button, Group, Select, Text, Title } from '@mantine/core';
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { ConnectionView } from '../../../shared/bridge/connections-bridge.ts';
import { useBridge, useBridgeEvent } from '../../bridge/bridge-react.tsx';
import { PlusIcon } from '../../ui/icons.tsx';
import type { HashRoute } from '../app-shell/hash-route.ts';
import { replaceRoute } from '../app-shell/use-hash-route.ts';
import { useRoleActions } from '../roles/use-role-actions.ts';
import { TerminalEventRouter } from './terminal-event-router.ts';
import { TerminalPane, type TerminalTab } from './TerminalPane.tsx';
import { TerminalSettingsMenu } from './TerminalSettingsMenu.tsx';
import { useTerminalSettings } from './use-terminal-settings.ts';

let tabCounter = 0;

function newTab(connection: string, existing: readonly TerminalTab[]): TerminalTab {
  tabCounter += 1;
  const same = existing.filter((t) => t.connection === connection).length;
  return { id: `term-${Date.now().toString(36)}-${tabCounter}`, connection, title: same === 0 ? connection : `${connection} (${same + 1})` };
}

/** SSH terminals in tabs. `#/terminals?open=<connection>` opens a new tab on that connection. */
export function TerminalsView({ route }: { route: HashRoute }) {
  const client = useBridge();
  const actions = useRoleActions();
  const router = useMemo(() => new TerminalEventRouter(), []);
  const [settings, setSettings] = useTerminalSettings();
  const [tabs, setTabs] = useState<TerminalTab[]>([]);
  const [activeId, setActiveId] = useState<string | null>(null);
  const [connections, setConnections] = useState<ConnectionView[]>([]);
  const [picked, setPicked] = useState<string | null>(null);
  const tabRefs = useRef(new Map<string, HTMLButtonElement>());
  const tabsNow = useRef(tabs);
  tabsNow.current = tabs;

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
    if (actions.openConnections) {
      const tab = newTab(openRequest, tabsNow.current);
      setTabs([...tabsNow.current, tab]);
      setActiveId(tab.id);
    }
    replaceRoute('#/terminals');
  }, [openRequest, actions.openConnections]);

  const addTab = (connection: string) => {
    const tab = newTab(connection, tabs);
    setTabs([...tabs, tab]);
    setActiveId(tab.id);
  };

  const closeTab = (id: string) => {
    const index = tabs.findIndex((t) => t.id === id);
    const rest = tabs.filter((t) => t.id !== id);
    setTabs(rest);
    if (activeId === id) setActiveId(rest[Math.min(index, rest.length - 1)]?.id ?? null);
  };

  const onTabKey = (event: KeyboardEvent<HTMLButtonElement>, index: number) => {
    const delta = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (delta === 0) return;
    event.preventDefault();
    const next = tabs[(index + delta + tabs.length) % tabs.length];
    if (!next) return;
    setActiveId(next.id);
    tabRefs.current.get(next.id)?.focus();
  };

  if (!actions.openConnections) {
    return (
      <Alert m="md" color="gray" title="Terminals are not available to you" data-testid="terminals-not-allowed">
        Auditors replay recorded sessions (Recordings) but never open one.
      </Alert>
    );
  }

  const current = tabs.find((t) => t.id === activeId) ?? tabs[0] ?? null;

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
          <Button size="xs" variant="default" leftSection={<PlusIcon size={14} />} disabled={!picked} onClick={() => picked && addTab(picked)} data-testid="terminal-new-tab">
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
          <div role="tablist" aria-label="Terminal tabs" className="query-tabs">
            {tabs.map((tab, index) => {
              const selected = tab.id === current?.id;
              return (
                <div key={tab.id} className={`query-tab-button${selected ? ' is-selected' : ''}`}>
                  <button
                    ref={(el) => {
                      if (el) tabRefs.current.set(tab.id, el);
                      else tabRefs.current.delete(tab.id);
                    }}
                    type="button"
                    role="tab"
                    id={`${tab.id}-tab`}
                    aria-selected={selected}
                    aria-controls={`${tab.id}-panel`}
                    tabIndex={selected ? 0 : -1}
                    onClick={() => setActiveId(tab.id)}
                    onKeyDown={(e) => onTabKey(e, index)}
                    data-testid="terminal-tab"
                    data-connection={tab.connection}
                  >
                    {tab.title}
                  </button>
                  <ActionIcon size="sm" variant="subtle" color="gray" aria-label={`Close terminal ${tab.title}`} onClick={() => closeTab(tab.id)} data-testid="terminal-close-tab">
                    ×
                  </ActionIcon>
                </div>
              );
            })}
          </div>
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
