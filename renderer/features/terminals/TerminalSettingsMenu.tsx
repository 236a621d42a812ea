import { Button, NumberInput, Popover, Select, Stack } from '@mantine/core';
import { clampFontSize, FONT_SIZE_MAX, FONT_SIZE_MIN, type TerminalSettings } from './terminal-settings.ts';
import { TERMINAL_THEME_LABELS, TERMINAL_THEME_NAMES, type TerminalThemeName } from './terminal-themes.ts';

/** Font size and colours for every terminal tab (and the player); kept on this computer. */
export function TerminalSettingsMenu({ settings, onChange }: { settings: TerminalSettings; onChange: (settings: TerminalSettings) => void }) {
  return (
    <Popover position="bottom-end" withArrow shadow="md">
      <Popover.Target>
        <Button size="xs" variant="default" data-testid="terminal-settings">
          Appearance
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap="xs" w={220}>
          <NumberInput
            label="Font size"
            size="xs"
            min={FONT_SIZE_MIN}
            max={FONT_SIZE_MAX}
            value={settings.fontSize}
            onChange={(value) => {
              if (typeof value === 'number') onChange({ ...settings, fontSize: clampFontSize(value) });
            }}
            data-testid="terminal-font-size"
          />
          <Select
            label="Theme"
            size="xs"
            allowDeselect={false}
            data={TERMINAL_THEME_NAMES.map((name) => ({ value: name, label: TERMINAL_THEME_LABELS[name] }))}
            value={settings.theme}
            onChange={(value) => {
              if (value) onChange({ ...settings, theme: value as TerminalThemeName });
            }}
            comboboxProps={{ withinPortal: false }}
            data-testid="terminal-theme"
          />
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
