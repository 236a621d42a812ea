import { Button, Group, Menu, Text } from '@mantine/core';
import { useState } from 'react';
import { useBridge } from '../../bridge/bridge-react.tsx';
import { formatRowCount } from '../../ui/time-format.ts';
import { toDelimitedText, type DelimitedFormat } from './delimited-text.ts';
import type { ResultBuffer } from './result-buffer.ts';

/** Copy the result as CSV/TSV (what is shown, masked values included) or export it through the broker, which applies the export policy. */
export function ResultActions({ buffer, queryId, busy }: { buffer: ResultBuffer; queryId: string | null; busy: boolean }) {
  const client = useBridge();
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);

  const copy = async (format: DelimitedFormat) => {
    const text = toDelimitedText(
      buffer.columns.map((c) => c.name),
      buffer.rows,
      format,
    );
    try {
      await navigator.clipboard.writeText(text);
      setMessage({ text: `Copied ${formatRowCount(buffer.size)} as ${format.toUpperCase()}`, error: false });
    } catch (e) {
      setMessage({ text: `Could not copy: ${(e as Error).message}`, error: true });
    }
  };

  const exportResult = async (format: DelimitedFormat) => {
    if (!queryId) return;
    try {
      const result = await client.call('query.export', { queryId, format });
      if (result.path) setMessage({ text: `Exported to ${result.path}`, error: false });
      else if (result.content !== null) {
        download(result.content, `result-${queryId}.${format}`, format === 'csv' ? 'text/csv' : 'text/tab-separated-values');
        setMessage({ text: `Exported ${format.toUpperCase()}`, error: false });
      } else setMessage({ text: 'The broker returned nothing to export', error: true });
    } catch (e) {
      setMessage({ text: `Export refused: ${(e as Error).message}`, error: true });
    }
  };

  return (
    <Group gap="xs">
      {message && (
        <Text size="xs" c={message.error ? 'red' : 'dimmed'} role="status" data-testid="result-action-message">
          {message.text}
        </Text>
      )}
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <Button variant="default" size="xs" disabled={buffer.columns.length === 0} data-testid="copy-menu">
            Copy
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item onClick={() => void copy('csv')} data-testid="copy-csv">
            Copy as CSV
          </Menu.Item>
          <Menu.Item onClick={() => void copy('tsv')} data-testid="copy-tsv">
            Copy as TSV
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <Button variant="default" size="xs" disabled={!queryId || busy} data-testid="export-menu">
            Export
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item onClick={() => void exportResult('csv')} data-testid="export-csv">
            Export as CSV…
          </Menu.Item>
          <Menu.Item onClick={() => void exportResult('tsv')} data-testid="export-tsv">
            Export as TSV…
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
    </Group>
  );
}

function download(content: string, filename: string, type: string): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
