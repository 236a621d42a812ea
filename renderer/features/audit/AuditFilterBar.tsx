import { Button, Group, Select, TextInput } from '@mantine/core';
import type { ChangeEvent } from 'react';
import { EMPTY_AUDIT_FILTERS, hasAuditFilters, type AuditFilterForm } from './audit-filters.ts';

const DECISIONS = ['allow', 'block', 'approve', 'deny', 'error', 'executed', 'refused'];
const CLASSES = ['read', 'write', 'ddl', 'dangerous', 'unknown'];
const KINDS = [
  'statement',
  'statement_result',
  'session_start',
  'session_end',
  'ssh_session_start',
  'ssh_exec',
  'ssh_session_end',
  'ssh_transfer',
  'approval.requested',
  'approval.decided',
  'approval.escalated',
  'approval.expired',
  'approval.cancelled',
  'approval.redeemed',
  'approval.redeem_refused',
  'login',
  'session_killed',
  'recording_exported',
];

/** The trail's filters; the server applies them, to the table and to the export alike. */
export function AuditFilterBar({ form, onChange, showUser }: { form: AuditFilterForm; onChange: (form: AuditFilterForm) => void; showUser: boolean }) {
  const text = (key: keyof AuditFilterForm) => ({
    value: form[key],
    onChange: (e: ChangeEvent<HTMLInputElement>) => onChange({ ...form, [key]: e.currentTarget.value }),
  });
  const pick = (key: keyof AuditFilterForm) => ({
    value: form[key] || null,
    onChange: (value: string | null) => onChange({ ...form, [key]: value ?? '' }),
  });
  return (
    <Group gap="xs" align="flex-end" wrap="wrap" role="search" aria-label="Filter the audit trail">
      <TextInput size="xs" label="Text" placeholder="statement, command, path" w={200} type="search" {...text('text')} data-testid="audit-filter-text" />
      {showUser && <TextInput size="xs" label="User" w={130} {...text('user')} data-testid="audit-filter-user" />}
      <TextInput size="xs" label="Connection" w={130} {...text('connection')} data-testid="audit-filter-connection" />
      <Select size="xs" label="Class" w={110} data={CLASSES} clearable {...pick('class')} data-testid="audit-filter-class" />
      <Select size="xs" label="Decision" w={110} data={DECISIONS} clearable {...pick('decision')} data-testid="audit-filter-decision" />
      <Select size="xs" label="Kind" w={160} data={KINDS} clearable searchable {...pick('kind')} data-testid="audit-filter-kind" />
      <TextInput size="xs" label="From" type="datetime-local" {...text('from')} data-testid="audit-filter-from" />
      <TextInput size="xs" label="To" type="datetime-local" {...text('to')} data-testid="audit-filter-to" />
      <Button size="xs" variant="subtle" disabled={!hasAuditFilters(form)} onClick={() => onChange(EMPTY_AUDIT_FILTERS)}>
        Clear
      </Button>
    </Group>
  );
}
