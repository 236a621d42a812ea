import './audit.css';
import { Alert, Button, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { AuditRecord } from '../../../shared/api/audit.ts';
import { useBridge } from '../../bridge/bridge-react.tsx';
import { useRoleActions } from '../roles/use-role-actions.ts';
import { AuditDetail } from './AuditDetail.tsx';
import { AuditExportButtons } from './AuditExportButtons.tsx';
import { AuditFilterBar } from './AuditFilterBar.tsx';
import { AUDIT_PAGE_SIZE, auditQueryOf, EMPTY_AUDIT_FILTERS, type AuditQuery } from './audit-filters.ts';
import { auditRows, type AuditRow } from './audit-rows.ts';
import { AuditTable } from './AuditTable.tsx';
import { ChainStatus } from './ChainStatus.tsx';

interface Trail {
  query: string;
  records: AuditRecord[];
  nextAfter: number | null;
  loading: boolean;
  error: string | null;
}

/** The audit trail: filtered by the server, paged by its cursor as the table scrolls, exportable, and its chain verifiable. */
export function AuditView() {
  const client = useBridge();
  const actions = useRoleActions();
  const [form, setForm] = useState(EMPTY_AUDIT_FILTERS);
  const [debounced] = useDebouncedValue(form, 400);
  const query = useMemo<AuditQuery>(() => auditQueryOf(debounced), [debounced]);
  const queryKey = JSON.stringify(query);
  const [trail, setTrail] = useState<Trail>({ query: queryKey, records: [], nextAfter: null, loading: true, error: null });
  const [selected, setSelected] = useState<AuditRow | null>(null);
  const [reload, setReload] = useState(0);
  const current = useRef(trail);
  current.current = trail;

  const fetchPage = useCallback(
    async (key: string, after: number | null) => {
      const filter = JSON.parse(key) as AuditQuery;
      try {
        const page = await client.call('audit.search', { ...filter, limit: AUDIT_PAGE_SIZE, ...(after !== null ? { after } : {}) });
        setTrail((t) => (t.query !== key ? t : { ...t, records: after === null ? page.records : [...t.records, ...page.records], nextAfter: page.nextAfter, loading: false, error: null }));
      } catch (e) {
        setTrail((t) => (t.query !== key ? t : { ...t, loading: false, error: (e as Error).message }));
      }
    },
    [client],
  );

  useEffect(() => {
    setTrail({ query: queryKey, records: [], nextAfter: null, loading: true, error: null });
    setSelected(null);
    void fetchPage(queryKey, null);
  }, [queryKey, fetchPage, reload]);

  const loadMore = useCallback(() => {
    const t = current.current;
    if (t.loading || t.nextAfter === null || t.error) return;
    setTrail({ ...t, loading: true });
    void fetchPage(t.query, t.nextAfter);
  }, [fetchPage]);

  const rows = useMemo(() => auditRows(trail.records), [trail.records]);

  return (
    <div className="audit-view">
      <Stack gap="xs" className="audit-header">
        <Group justify="space-between" wrap="wrap">
          <Stack gap={0}>
            <Title order={2} size="h3">
              Audit
            </Title>
            <Text size="xs" c="dimmed">
              {actions.seeEveryonesHistory ? 'Everyone’s activity, oldest first.' : 'Your own activity, oldest first.'}
            </Text>
          </Stack>
          <Group gap="md" wrap="wrap">
            {actions.verifyAuditChain && <ChainStatus />}
            <AuditExportButtons query={query} />
          </Group>
        </Group>
        <AuditFilterBar form={form} onChange={setForm} showUser={actions.seeEveryonesHistory} />
      </Stack>
      {trail.error && (
        <Alert color="red" title="Could not load the audit trail" role="alert" mx="md" data-testid="audit-error">
          <Group gap="xs">
            <Text size="sm">{trail.error}</Text>
            <Button size="compact-xs" variant="default" onClick={() => setReload((n) => n + 1)}>
              Try again
            </Button>
          </Group>
        </Alert>
      )}
      {rows.length === 0 && !trail.loading && !trail.error ? (
        <Text c="dimmed" p="md" data-testid="audit-empty">
          No audit record matches.
        </Text>
      ) : (
        <AuditTable rows={rows} selectedId={selected?.id ?? null} onOpen={setSelected} onNearEnd={loadMore} />
      )}
      <Group className="audit-footer" justify="space-between">
        <Text size="xs" c="dimmed" data-testid="audit-count" data-loaded={trail.records.length} data-more={trail.nextAfter !== null ? 'true' : 'false'}>
          {trail.records.length.toLocaleString()} records loaded{trail.nextAfter !== null ? '; scroll for more' : ''}
        </Text>
        {trail.loading && <Loader size="xs" aria-label="Loading records" />}
        {!trail.loading && trail.nextAfter !== null && (
          <Button size="compact-xs" variant="subtle" onClick={loadMore} data-testid="audit-load-more">
            Load more
          </Button>
        )}
      </Group>
      <AuditDetail row={selected} onClose={() => setSelected(null)} />
    </div>
  );
}
