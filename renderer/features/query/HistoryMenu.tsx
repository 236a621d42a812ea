import { Button, Menu, Text } from '@mantine/core';
import type { HistoryEntry } from './query-history.ts';

/** Statements run before on this connection; picking one puts it in the editor. */
export function HistoryMenu({ entries, onPick, onClear }: { entries: readonly HistoryEntry[]; onPick: (sql: string) => void; onClear: () => void }) {
  return (
    <Menu position="bottom-start" width={480} withinPortal>
      <Menu.Target>
        <Button variant="default" size="xs" data-testid="history-button" aria-label={`History, ${entries.length} statements`}>
          History
        </Button>
      </Menu.Target>
      <Menu.Dropdown data-testid="history-menu" mah={400} style={{ overflowY: 'auto' }}>
        {entries.length === 0 && <Menu.Label>Nothing run on this connection yet</Menu.Label>}
        {entries.map((entry) => (
          <Menu.Item key={entry.sql} onClick={() => onPick(entry.sql)} data-testid="history-item">
            <Text size="xs" ff="monospace" lineClamp={2}>
              {entry.sql}
            </Text>
            <Text size="xs" c="dimmed">
              {new Date(entry.at).toLocaleString()}
            </Text>
          </Menu.Item>
        ))}
        {entries.length > 0 && (
          <>
            <Menu.Divider />
            <Menu.Item color="red" onClick={onClear}>
              Clear history for this connection
            </Menu.Item>
          </>
        )}
      </Menu.Dropdown>
    </Menu>
  );
}
