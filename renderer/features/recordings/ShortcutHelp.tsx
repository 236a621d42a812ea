import { Kbd, Modal, Table } from '@mantine/core';
import { PLAYER_SHORTCUTS } from './player-shortcuts.ts';

export function ShortcutHelp({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  return (
    <Modal opened={opened} onClose={onClose} title="Player shortcuts" size="sm" data-testid="player-help-overlay">
      <Table>
        <Table.Tbody>
          {PLAYER_SHORTCUTS.map((s) => (
            <Table.Tr key={s.keys}>
              <Table.Td>
                <Kbd>{s.keys}</Kbd>
              </Table.Td>
              <Table.Td>{s.action}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Modal>
  );
}
