import type { ITheme } from '@xterm/xterm';

export const TERMINAL_THEME_NAMES = ['auto', 'dark', 'light', 'solarized-dark'] as const;
export type TerminalThemeName = (typeof TERMINAL_THEME_NAMES)[number];

export const TERMINAL_THEME_LABELS: Record<TerminalThemeName, string> = {
  auto: 'Follow the app',
  dark: 'Dark',
  light: 'Light',
  'solarized-dark': 'Solarized dark',
};

const dark: ITheme = {
  background: '#1a1b26',
  foreground: '#d5d8e0',
  cursor: '#c0caf5',
  selectionBackground: '#3b4261',
  black: '#15161e',
  red: '#f7768e',
  green: '#9ece6a',
  yellow: '#e0af68',
  blue: '#7aa2f7',
  magenta: '#bb9af7',
  cyan: '#7dcfff',
  white: '#a9b1d6',
  brightBlack: '#414868',
  brightRed: '#ff8fa3',
  brightGreen: '#b9f27c',
  brightYellow: '#ffc777',
  brightBlue: '#8fb4ff',
  brightMagenta: '#cbb2ff',
  brightCyan: '#a4e4ff',
  brightWhite: '#e6e9f2',
};

const light: ITheme = {
  background: '#fbfbfd',
  foreground: '#2b2f3a',
  cursor: '#3451b2',
  selectionBackground: '#c9d4f5',
  black: '#2b2f3a',
  red: '#c4283b',
  green: '#2f7d32',
  yellow: '#8a6100',
  blue: '#2457c5',
  magenta: '#8e3fb5',
  cyan: '#0f7287',
  white: '#8b90a0',
  brightBlack: '#5d6374',
  brightRed: '#d9445a',
  brightGreen: '#3d9440',
  brightYellow: '#a37400',
  brightBlue: '#3b6fe0',
  brightMagenta: '#a356c9',
  brightCyan: '#1a8aa1',
  brightWhite: '#1b1e27',
};

const solarizedDark: ITheme = {
  background: '#002b36',
  foreground: '#93a1a1',
  cursor: '#93a1a1',
  selectionBackground: '#073642',
  black: '#073642',
  red: '#dc322f',
  green: '#859900',
  yellow: '#b58900',
  blue: '#268bd2',
  magenta: '#d33682',
  cyan: '#2aa198',
  white: '#eee8d5',
  brightBlack: '#586e75',
  brightRed: '#cb4b16',
  brightGreen: '#93a1a1',
  brightYellow: '#839496',
  brightBlue: '#839496',
  brightMagenta: '#6c71c4',
  brightCyan: '#93a1a1',
  brightWhite: '#fdf6e3',
};

/** The xterm colours of a theme; `auto` follows the app's light or dark scheme. */
export function xtermTheme(name: TerminalThemeName, appScheme: 'light' | 'dark'): ITheme {
  switch (name) {
    case 'auto':
      return appScheme === 'dark' ? dark : light;
    case 'dark':
      return dark;
    case 'light':
      return light;
    case 'solarized-dark':
      return solarizedDark;
    default:
      return name satisfies never;
  }
}
