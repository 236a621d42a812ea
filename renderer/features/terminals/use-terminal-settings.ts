import { useCallback, useState } from 'react';
import { loadTerminalSettings, saveTerminalSettings, type TerminalSettings } from './terminal-settings.ts';

/** Terminal appearance, read from and written to localStorage. */
export function useTerminalSettings(): [TerminalSettings, (settings: TerminalSettings) => void] {
  const [settings, setSettings] = useState(() => loadTerminalSettings(window.localStorage));
  const update = useCallback((next: TerminalSettings) => {
    setSettings(next);
    saveTerminalSettings(window.localStorage, next);
  }, []);
  return [settings, update];
}
