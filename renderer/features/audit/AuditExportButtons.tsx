import { Button, Group, Text } from '@mantine/core';
import { useState } from 'react';
import { useBridge } from '../../bridge/bridge-react.tsx';
import { auditExportFilename, type AuditQuery } from './audit-filters.ts';
import { downloadFile } from './download-file.ts';

type Format = 'jsonl' | 'csv';

const MIME: Record<Format, string> = { jsonl: 'application/x-ndjson', csv: 'text/csv' };

/** Every record the current filter selects (not only the loaded pages), as JSON lines or CSV. */
export function AuditExportButtons({ query }: { query: AuditQuery }) {
  const client = useBridge();
  const [busy, setBusy] = useState<Format | null>(null);
  const [outcome, setOutcome] = useState<{ format: Format; rows: number } | { error: string } | null>(null);

  const run = async (format: Format) => {
    setBusy(format);
    setOutcome(null);
    try {
      const { content, rows } = await client.call('audit.export', { ...query, format });
      downloadFile(auditExportFilename(format, new Date()), content, MIME[format]);
      setOutcome({ format, rows });
    } catch (e) {
      setOutcome({ error: (e as Error).message });
    } finally {
      setBusy(null);
    }
  };

  return (
    <Group gap="xs" wrap="nowrap">
      <Button size="xs" variant="default" loading={busy === 'jsonl'} onClick={() => void run('jsonl')} data-testid="audit-export-jsonl">
        Export JSON lines
      </Button>
      <Button size="xs" variant="default" loading={busy === 'csv'} onClick={() => void run('csv')} data-testid="audit-export-csv">
        Export CSV
      </Button>
      {outcome && 'rows' in outcome && (
        <Text size="xs" c="dimmed" data-testid="audit-export-status" data-rows={outcome.rows} data-format={outcome.format}>
          {outcome.rows.toLocaleString()} records exported
        </Text>
      )}
      {outcome && 'error' in outcome && (
        <Text size="xs" c="red" role="alert" data-testid="audit-export-status" data-error="true">
          {outcome.error}
        </Text>
      )}
    </Group>
  );
}
