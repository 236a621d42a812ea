import { useRef, useState } from 'react';

/** A tab bound to one connection; several tabs may share a connection ("pg (2)"). */
export interface ConnectionTab {
  id: string;
  connection: string;
  title: string;
}

let tabCounter = 0;

function newTab(idPrefix: string, connection: string, existing: readonly ConnectionTab[]): ConnectionTab {
  tabCounter += 1;
  const sameConnection = existing.filter((t) => t.connection === connection).length;
  return { id: `${idPrefix}-${Date.now().toString(36)}-${tabCounter}`, connection, title: sameConnection === 0 ? connection : `${connection} (${sameConnection + 1})` };
}

/** The open tabs of a pane and which one is shown; closing the shown tab shows its neighbour. */
export function useConnectionTabs(idPrefix: string) {
  const [tabs, setTabs] = useState<ConnectionTab[]>([]);
  const [activeId, setActiveId] = useState<string | null>(null);
  // Effects that open a tab (route requests) must see tabs opened since their last render.
  const tabsNow = useRef(tabs);
  tabsNow.current = tabs;

  const openTab = (connection: string) => {
    const tab = newTab(idPrefix, connection, tabsNow.current);
    setTabs([...tabsNow.current, tab]);
    setActiveId(tab.id);
  };

  /** Shows the first tab on `connection`; false when there is none. */
  const showTabFor = (connection: string): boolean => {
    const existing = tabsNow.current.find((t) => t.connection === connection);
    if (existing) setActiveId(existing.id);
    return existing !== undefined;
  };

  const closeTab = (id: string) => {
    const index = tabs.findIndex((t) => t.id === id);
    const rest = tabs.filter((t) => t.id !== id);
    setTabs(rest);
    if (activeId === id) setActiveId(rest[Math.min(index, rest.length - 1)]?.id ?? null);
  };

  const current = tabs.find((t) => t.id === activeId) ?? tabs[0] ?? null;

  return { tabs, current, showTab: setActiveId, openTab, showTabFor, closeTab };
}
