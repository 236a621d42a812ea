import { ActionIcon, Badge, Button, Group, Text, TextInput, Tooltip, useComputedColorScheme } from '@mantine/core';
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { useBridge, useBridgeEvent, useLinkStatus } from '../../bridge/bridge-react.tsx';
import type { ConnectionTab } from '../../ui/use-connection-tabs.ts';
import { screenText } from '../recordings/screen-text.ts';
import { createInteractiveXterm, type InteractiveXterm } from './create-xterm.ts';
import { TerminalApprovalWait } from './TerminalApprovalWait.tsx';
import { TerminalConnection } from './terminal-connection.ts';
import { TerminalEndedPanel } from './TerminalEndedPanel.tsx';
import type { TerminalEventRouter } from './terminal-event-router.ts';
import { nextTerminalPhase, OPENING, type TerminalAction } from './terminal-phase.ts';
import type { TerminalSettings } from './terminal-settings.ts';
import { xtermTheme } from './terminal-themes.ts';

/** How often the hidden screen text (for tests and assistive tools) follows the output. */
const SCREEN_TEXT_EVERY_MS = 200;

function fitIfVisible(x: InteractiveXterm): void {
  // A hidden tab has no size; fitting it would shrink the session to nothing.
  if (x.term.element && x.term.element.offsetParent !== null && x.fit.proposeDimensions()) x.fit.fit();
}

/** One terminal tab: xterm on a broker SSH session, with its recorded badge, approval wait and end states. */
export function TerminalPane({ tab, router, active, settings, onClose }: { tab: ConnectionTab; router: TerminalEventRouter; active: boolean; settings: TerminalSettings; onClose: () => void }) {
  const client = useBridge();
  const link = useLinkStatus();
  const scheme = useComputedColorScheme('light');
  const host = useRef<HTMLDivElement>(null);
  const xterm = useRef<InteractiveXterm | null>(null);
  const connection = useRef<TerminalConnection | null>(null);
  const [phase, dispatch] = useReducer(nextTerminalPhase, OPENING);
  const [recorded, setRecorded] = useState<boolean | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [text, setText] = useState('');
  const [terminalId, setTerminalId] = useState<string | null>(null);
  const [cancelling, setCancelling] = useState(false);
  const [find, setFind] = useState('');
  const initialSettings = useRef({ settings, scheme });

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const { settings: first, scheme: firstScheme } = initialSettings.current;
    const x = createInteractiveXterm({ fontSize: first.fontSize, theme: xtermTheme(first.theme, firstScheme) });
    xterm.current = x;
    x.term.open(element);
    fitIfVisible(x);

    const report = (action: TerminalAction) => {
      dispatch(action);
      if (action.type === 'opened') setRecorded(action.recorded);
      if (action.type === 'event' && action.event.kind === 'opened') setRecorded(action.event.recorded);
      setTerminalId(conn.id);
    };
    const conn = new TerminalConnection(client, router, tab.connection, x.term, report, setNotice);
    connection.current = conn;

    let textTimer: ReturnType<typeof setTimeout> | null = null;
    const refreshText = () => {
      if (textTimer !== null) return;
      textTimer = setTimeout(() => {
        textTimer = null;
        setText(screenText(x.term.buffer.active, x.term.rows));
      }, SCREEN_TEXT_EVERY_MS);
    };

    const subscriptions = [
      x.term.onData((data) => conn.send(data)),
      x.term.onBinary((data) => conn.send(data)),
      x.term.onResize(() => {
        conn.resized();
        refreshText();
      }),
      x.term.onWriteParsed(refreshText),
    ];
    x.term.attachCustomKeyEventHandler((event) => {
      if (event.type !== 'keydown' || !event.ctrlKey || !event.shiftKey) return true;
      if (event.code === 'KeyC') {
        // Ctrl+Shift+C copies (Ctrl+C stays the interrupt it is in a shell).
        event.preventDefault();
        const selection = x.term.getSelection();
        if (selection) void navigator.clipboard?.writeText(selection).catch(() => setNotice('The clipboard refused the copy.'));
        return false;
      }
      // Ctrl+Shift+V: the browser's own paste event reaches xterm, which sends it as a paste.
      return event.code !== 'KeyV';
    });
    const observer = new ResizeObserver(() => fitIfVisible(x));
    observer.observe(element);
    void conn.open();

    return () => {
      observer.disconnect();
      if (textTimer !== null) clearTimeout(textTimer);
      for (const s of subscriptions) s.dispose();
      conn.dispose();
      x.term.dispose();
      xterm.current = null;
      connection.current = null;
    };
  }, [client, router, tab.connection]);

  useEffect(() => {
    const x = xterm.current;
    if (!x) return;
    x.term.options.fontSize = settings.fontSize;
    x.term.options.theme = xtermTheme(settings.theme, scheme);
    fitIfVisible(x);
  }, [settings.fontSize, settings.theme, scheme]);

  useEffect(() => {
    const x = xterm.current;
    if (!active || !x) return;
    fitIfVisible(x);
    x.term.focus();
  }, [active]);

  useEffect(() => {
    if (link.state === 'open') return;
    connection.current?.abandon();
    dispatch({ type: 'link-lost' });
  }, [link.state]);

  useBridgeEvent('approvals.changed', (request) => dispatch({ type: 'request-changed', request }));

  const reconnect = useCallback(() => {
    const conn = connection.current;
    const x = xterm.current;
    if (!conn || !x) return;
    conn.close();
    x.term.write('\r\n\x1b[2m--- reconnecting ---\x1b[0m\r\n');
    setRecorded(null);
    setNotice(null);
    dispatch({ type: 'reconnect' });
    void conn.open();
    x.term.focus();
  }, []);

  const cancelRequest = async (requestId: string) => {
    setCancelling(true);
    try {
      await client.call('approvals.cancel', { id: requestId });
      connection.current?.close();
      dispatch({ type: 'open-failed', message: 'You cancelled the approval request; the session did not start.' });
    } catch (e) {
      setNotice(`Could not cancel: ${(e as Error).message}`);
    } finally {
      setCancelling(false);
    }
  };

  const copySelection = () => {
    const selection = xterm.current?.term.getSelection();
    if (selection) void navigator.clipboard?.writeText(selection).catch(() => setNotice('The clipboard refused the copy.'));
  };

  const paste = async () => {
    try {
      const clip = await navigator.clipboard.readText();
      if (clip) xterm.current?.term.paste(clip);
    } catch {
      setNotice('The clipboard cannot be read here; use Ctrl+Shift+V (⌘V on a Mac).');
    }
    xterm.current?.term.focus();
  };

  const findNext = (backwards: boolean) => {
    const x = xterm.current;
    if (!x || !find) return;
    const found = backwards ? x.search.findPrevious(find) : x.search.findNext(find);
    if (!found) setNotice(`“${find}” is not in this terminal's scrollback.`);
  };

  return (
    <div className="terminal-pane" data-testid={`terminal-${tab.id}`} data-terminal-id={terminalId ?? ''} data-state={phase.kind} data-connection={tab.connection}>
      <Group className="terminal-toolbar" justify="space-between" wrap="nowrap" gap="xs">
        <Group gap="xs" wrap="nowrap">
          <Text size="sm" fw={600}>
            {tab.connection}
          </Text>
          {recorded !== null && (
            <Tooltip label={recorded ? 'Everything shown in this terminal is recorded for audit.' : 'The policy does not record this session.'}>
              <Badge
                color={recorded ? 'red' : 'gray'}
                variant={recorded ? 'dot' : 'light'}
                data-testid="terminal-recorded"
                data-recorded={recorded ? 'true' : 'false'}
                tabIndex={0}
                aria-label={recorded ? 'This session is recorded' : 'This session is not recorded'}
              >
                {recorded ? 'This session is recorded' : 'Not recorded'}
              </Badge>
            </Tooltip>
          )}
          {phase.kind === 'opening' && (
            <Text size="xs" c="dimmed" role="status">
              Connecting…
            </Text>
          )}
        </Group>
        <Group gap={4} wrap="nowrap">
          <TextInput
            size="xs"
            type="search"
            placeholder="Find"
            aria-label="Find in terminal"
            value={find}
            onChange={(e) => setFind(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') findNext(e.shiftKey);
            }}
            w={140}
            data-testid="terminal-find"
          />
          <Button size="compact-xs" variant="default" onClick={() => findNext(false)} disabled={!find}>
            Next
          </Button>
          <Tooltip label="Copy the selection (Ctrl+Shift+C)">
            <Button size="compact-xs" variant="default" onClick={copySelection} data-testid="terminal-copy">
              Copy
            </Button>
          </Tooltip>
          <Tooltip label="Paste (Ctrl+Shift+V)">
            <Button size="compact-xs" variant="default" onClick={() => void paste()} disabled={phase.kind !== 'open'} data-testid="terminal-paste">
              Paste
            </Button>
          </Tooltip>
          <ActionIcon size="sm" variant="subtle" color="gray" aria-label="Clear the screen" title="Clear the scrollback" onClick={() => xterm.current?.term.clear()}>
            ⌫
          </ActionIcon>
        </Group>
      </Group>
      {notice && (
        <Text size="xs" c="orange" px="sm" role="status" data-testid="terminal-notice">
          {notice}{' '}
          <button type="button" className="link-button" onClick={() => setNotice(null)}>
            dismiss
          </button>
        </Text>
      )}
      {phase.kind === 'waiting' && (
        <div className="terminal-overlay-panel">
          <TerminalApprovalWait request={phase.request} cancelling={cancelling} onCancel={() => void cancelRequest(phase.request.id)} />
        </div>
      )}
      {(phase.kind === 'ended' || phase.kind === 'lost') && (
        <div className="terminal-overlay-panel">
          <TerminalEndedPanel phase={phase} onReconnect={reconnect} onClose={onClose} />
        </div>
      )}
      <div ref={host} className={`terminal-host${phase.kind === 'ended' || phase.kind === 'lost' ? ' is-over' : ''}`} data-testid={active ? 'terminal-active' : undefined} aria-label={`Terminal on ${tab.connection}`} />
      <pre hidden data-testid={active ? 'terminal-active-text' : 'terminal-text'}>
        {text}
      </pre>
    </div>
  );
}
