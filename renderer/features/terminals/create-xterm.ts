import '@xterm/xterm/css/xterm.css';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { Terminal, type ITheme } from '@xterm/xterm';

export interface InteractiveXterm {
  term: Terminal;
  fit: FitAddon;
  search: SearchAddon;
}

const MONOSPACE = 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace';

function openLink(_event: MouseEvent, uri: string): void {
  // Only web addresses; whatever else a remote program prints stays text.
  if (/^https?:\/\//i.test(uri)) window.open(uri, '_blank', 'noopener,noreferrer');
}

/** An xterm for a live session: fitted to its box, searchable, links clickable, wide characters measured by Unicode 11. */
export function createInteractiveXterm(options: { fontSize: number; theme: ITheme }): InteractiveXterm {
  const term = new Terminal({
    fontSize: options.fontSize,
    fontFamily: MONOSPACE,
    theme: options.theme,
    cursorBlink: true,
    scrollback: 5000,
    allowProposedApi: true,
  });
  const fit = new FitAddon();
  const search = new SearchAddon();
  term.loadAddon(fit);
  term.loadAddon(search);
  term.loadAddon(new WebLinksAddon(openLink));
  term.loadAddon(new Unicode11Addon());
  term.unicode.activeVersion = '11';
  return { term, fit, search };
}

/**
 * An xterm for replay: no input, a fixed size set from the recording, and the same Unicode
 * tables as the server's headless terminal, so the screen matches the server's screen at t.
 */
export function createReplayXterm(options: { fontSize: number; theme: ITheme; cols: number; rows: number }): Terminal {
  return new Terminal({
    fontSize: options.fontSize,
    fontFamily: MONOSPACE,
    theme: options.theme,
    cols: options.cols,
    rows: options.rows,
    disableStdin: true,
    cursorBlink: false,
    cursorInactiveStyle: 'none',
    scrollback: 1000,
  });
}

export { MONOSPACE };
