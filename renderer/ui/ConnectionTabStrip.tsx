import { ActionIcon } from '@mantine/core';
import { useRef, type KeyboardEvent } from 'react';
import type { ConnectionTab } from './use-connection-tabs.ts';

interface ConnectionTabStripProps {
  tabs: readonly ConnectionTab[];
  currentId: string | null;
  onShow: (id: string) => void;
  onClose: (id: string) => void;
  /** The tablist's accessible name. */
  label: string;
  closeLabel: (title: string) => string;
  /** Whether the Delete key closes the focused tab. */
  deleteCloses: boolean;
  tabTestId: string;
  closeTestId: string;
}

/** An ARIA tablist of connection tabs (arrow keys move between them); panels use `${tab.id}-panel` as their id. */
export function ConnectionTabStrip({ tabs, currentId, onShow, onClose, label, closeLabel, deleteCloses, tabTestId, closeTestId }: ConnectionTabStripProps) {
  const tabRefs = useRef(new Map<string, HTMLButtonElement>());

  const onTabKey = (event: KeyboardEvent<HTMLButtonElement>, index: number) => {
    if (deleteCloses && event.key === 'Delete') {
      event.preventDefault();
      onClose(tabs[index]!.id);
      return;
    }
    const delta = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (delta === 0) return;
    event.preventDefault();
    const next = tabs[(index + delta + tabs.length) % tabs.length];
    if (!next) return;
    onShow(next.id);
    tabRefs.current.get(next.id)?.focus();
  };

  return (
    <div role="tablist" aria-label={label} className="query-tabs">
      {tabs.map((tab, index) => {
        const selected = tab.id === currentId;
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
              onClick={() => onShow(tab.id)}
              onKeyDown={(e) => onTabKey(e, index)}
              data-testid={tabTestId}
              data-connection={tab.connection}
            >
              {tab.title}
            </button>
            <ActionIcon size="sm" variant="subtle" color="gray" aria-label={closeLabel(tab.title)} onClick={() => onClose(tab.id)} data-testid={closeTestId}>
              ×
            </ActionIcon>
          </div>
        );
      })}
    </div>
  );
}
