import { ActionIcon, Button, Group, Select, Text, Title } from '@mantine/core';
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { ConnectionView } from '../../../shared/bridge/connections-bridge.ts';
import { useBridge, useBridgeEvent, useLinkStatus } from '../../bridge/bridge-react.tsx';
import { PlusIcon } from '../../ui/icons.tsx';
import type { HashRoute } from '../app-shell/hash-route.ts';
import { replaceRoute } from '../app-shell/use-hash-route.ts';
import { QueryEventRouter } from './query-event-router.ts';
import { QueryTabPanel, type QueryTab } from './QueryTabPanel.tsx';

let tabCounter = 0;

function newTab(connection: string, existing: readonly QueryTab[]): QueryTab {
  tabCounter += 1;
  const sameConnection = existing.filter((t) => t.connection === connection).length;
  return { id: `tab-${Date.now().toString(36)}-${tabCounter}`, connection, title: sameConnection === 0 ? connection : `${connection} (${sameConnection + 1})` };
}

/** The query pane: tabs, each bound to one connection. `#/query?open=<connection>` opens (or focuses) a tab for it. */
export function QueryView({ route }: { route: HashRoute }) {
  const client = useBridge();
  const link = useLinkStatus();
  const router = useMemo(() => new QueryEventRouter(), []);
  const [tabs, setTabs] = useState<QueryTab[]>([]);
  const [activeId, setActiveId] = useState<string | null>(null);
  const [connections, setConnections] = useState<ConnectionView[]>([]);
  const [picked, setPicked] = useState<string | null>(null);
  const tabRefs = useRef(new Map<string, HTMLButtonElement>());

  useBridgeEvent('query.event', (event) => router.deliver(event));

  useEffect(() => {
    if (link.state !== 'open') return;
    client
      .call('connections.list', {})
      .then((result) => setConnections(result.connections.filter((c) => c.kind === 'postgres')))
      .catch(() => undefined);
  }, [client, link.state]);

  const openRequest = route.segments[0] === 'query' ? (route.params.open ?? null) : null;
  const tabsNow = useRef(tabs);
  tabsNow.current = tabs;
  useEffect(() => {
    if (!openRequest) return;
    const existing = tabsNow.current.find((t) => t.connection === openRequest);
    if (existing) setActiveId(existing.id);
    else {
      const tab = newTab(openRequest, tabsNow.current);
      setTabs([...tabsNow.current, tab]);
      setActiveId(tab.id);
    }
    // Handled: drop the parameter so opening the same connection again is a new request.
    replaceRoute('#/query');
  }, [openRequest]);

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
    if (event.key === 'Delete') {
      event.preventDefault();
      closeTab(tabs[index]!.id);
      return;
    }
    if (delta === 0) return;
    event.preventDefault();
    const next = tabs[(index + delta + tabs.length) % tabs.length];
    if (!next) return;
    setActiveId(next.id);
    tabRefs.current.get(next.id)?.focus();
  };

  const current = tabs.find((t) => t.id === activeId) ?? tabs[0] ?? null;

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
          <Button size="xs" variant="default" leftSection={<PlusIcon size={14} />} disabled={!picked} onClick={() => picked && addTab(picked)} data-testid="new-tab">
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
          <div role="tablist" aria-label="Query tabs" className="query-tabs">
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
                    data-testid="query-tab"
                    data-connection={tab.connection}
                  >
                    {tab.title}
                  </button>
                  <ActionIcon size="sm" variant="subtle" color="gray" aria-label={`Close tab ${tab.title}`} onClick={() => closeTab(tab.id)} data-testid="close-tab">
                    ×
                  </ActionIcon>
                </div>
              );
            })}
          </div>
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
