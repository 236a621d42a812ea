import { Alert, Badge, Button, Group, Loader, SegmentedControl, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { PolicyVersion } from '../../../shared/api/connections.ts';
import type { PolicyProblem } from '../../../shared/bridge/admin-bridge.ts';
import { useBridge } from '../../bridge/bridge-react.tsx';
import { DiffView } from './DiffView.tsx';
import { diffLines, hasChanges } from './line-diff.ts';
import { PolicyHistory } from './PolicyHistory.tsx';
import { PolicyYamlEditor, type PolicyYamlEditorHandle } from './PolicyYamlEditor.tsx';

type Validation = { state: 'idle' } | { state: 'checking' } | { state: 'ok' } | { state: 'problems'; problems: PolicyProblem[] } | { state: 'failed'; message: string };
const NO_PROBLEMS: PolicyProblem[] = [];

/** One connection's policy: edit it with validation as you type, see the diff against the current version, save it with a reason. */
export function PolicyPanel({ connection }: { connection: string }) {
  const client = useBridge();
  const [versions, setVersions] = useState<PolicyVersion[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [reloadKey, setReloadKey] = useState(0);
  const [saved, setSaved] = useState<number | null>(null);

  useEffect(() => {
    let live = true;
    setLoadError(null);
    client
      .call('admin.policyHistory', { connection })
      .then((result) => live && setVersions(result.versions))
      .catch((e: Error) => live && setLoadError(e.message));
    return () => {
      live = false;
    };
  }, [client, connection, reloadKey]);

  if (loadError) {
    return (
      <Alert color="red" title="Could not load the policy" data-testid="policy-error">
        {loadError}
      </Alert>
    );
  }
  if (!versions) return <Loader aria-label="Loading the policy" />;
  const current = versions.reduce<PolicyVersion | null>((best, v) => (best === null || v.version > best.version ? v : best), null);
  if (!current) return <Text c="dimmed">This connection has no policy on record.</Text>;
  return (
    <PolicyWorkspace
      key={`${connection}-${current.version}`}
      connection={connection}
      current={current}
      versions={versions}
      saved={saved}
      onSaved={(version) => {
        setSaved(version);
        setReloadKey((n) => n + 1);
      }}
    />
  );
}

function PolicyWorkspace({ connection, current, versions, saved, onSaved }: { connection: string; current: PolicyVersion; versions: PolicyVersion[]; saved: number | null; onSaved: (version: number) => void }) {
  const client = useBridge();
  const editor = useRef<PolicyYamlEditorHandle>(null);
  const [text, setText] = useState(current.yaml);
  const [checkedText] = useDebouncedValue(text, 400);
  const [validation, setValidation] = useState<Validation>({ state: 'idle' });
  const [view, setView] = useState<'edit' | 'diff' | 'history'>('edit');
  const [reason, setReason] = useState('');
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setValidation({ state: 'checking' });
    client
      .call('admin.validatePolicy', { yaml: checkedText, connection })
      .then((result) => live && setValidation(result.ok ? { state: 'ok' } : { state: 'problems', problems: result.errors }))
      .catch((e: Error) => live && setValidation({ state: 'failed', message: e.message }));
    return () => {
      live = false;
    };
  }, [client, connection, checkedText]);

  const diff = useMemo(() => diffLines(current.yaml, text), [current.yaml, text]);
  const changed = hasChanges(diff);
  const upToDate = checkedText === text && validation.state === 'ok';
  const problems = validation.state === 'problems' ? validation.problems : NO_PROBLEMS;

  const save = async () => {
    setSaving(true);
    setSaveError(null);
    try {
      const result = await client.call('admin.updatePolicy', { connection, yaml: text, reason: reason.trim() });
      setReason('');
      onSaved(result.version);
    } catch (e) {
      setSaveError((e as Error).message);
    } finally {
      setSaving(false);
    }
  };

  const restore = useCallback((version: PolicyVersion) => {
    editor.current?.setText(version.yaml);
    setView('edit');
  }, []);

  return (
    <Stack gap="sm" data-testid="policy-panel" data-connection={connection}>
      <Group justify="space-between" wrap="wrap">
        <Group gap="xs">
          <Title order={3} size="h4">
            Policy of {connection}
          </Title>
          <Badge variant="light">current v{current.version}</Badge>
          {saved !== null && (
            <Badge color="green" data-testid="policy-saved" data-version={saved}>
              saved as v{saved}
            </Badge>
          )}
        </Group>
        <SegmentedControl
          size="xs"
          value={view}
          onChange={(v) => setView(v as 'edit' | 'diff' | 'history')}
          data={[
            { value: 'edit', label: 'Edit' },
            { value: 'diff', label: changed ? 'Diff •' : 'Diff' },
            { value: 'history', label: `History (${versions.length})` },
          ]}
          data-testid="policy-view"
        />
      </Group>
      <div hidden={view !== 'edit'}>
        <PolicyYamlEditor ref={editor} initialText={current.yaml} problems={problems} onChange={setText} label={`Policy of ${connection} (YAML)`} />
      </div>
      {view === 'diff' &&
        (changed ? (
          <DiffView lines={diff} label={`Your changes against version ${current.version}`} testId="policy-diff" />
        ) : (
          <Text size="sm" c="dimmed" data-testid="policy-diff-empty">
            No changes against version {current.version}.
          </Text>
        ))}
      {view === 'history' && <PolicyHistory connection={connection} versions={versions} onRestore={restore} />}
      <div data-testid="policy-validation" data-state={validation.state} role="status" aria-live="polite">
        {validation.state === 'checking' && (
          <Text size="xs" c="dimmed">
            Checking…
          </Text>
        )}
        {validation.state === 'ok' && (
          <Text size="xs" c="green">
            Valid policy.
          </Text>
        )}
        {validation.state === 'failed' && (
          <Text size="xs" c="red">
            Could not validate: {validation.message}
          </Text>
        )}
        {validation.state === 'problems' && (
          <Stack gap={2}>
            {validation.problems.map((p, i) => (
              <button key={i} type="button" className="policy-problem" onClick={() => { setView('edit'); editor.current?.goTo(p.line, p.column); }} data-testid="policy-problem" data-line={p.line}>
                Line {p.line}, column {p.column}
                {p.path ? ` (${p.path})` : ''}: {p.message}
              </button>
            ))}
          </Stack>
        )}
      </div>
      <Group align="flex-end" gap="xs" wrap="wrap">
        <TextInput
          size="xs"
          label="Reason for the change"
          placeholder="e.g. JIRA-123: writes to billing need approval"
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          w={420}
          maxLength={1000}
          data-testid="policy-reason"
        />
        <Button size="xs" onClick={() => void save()} loading={saving} disabled={!changed || !upToDate || reason.trim() === ''} data-testid="policy-save">
          Save as v{current.version + 1}
        </Button>
        {changed && (
          <Button size="xs" variant="subtle" onClick={() => editor.current?.setText(current.yaml)}>
            Discard changes
          </Button>
        )}
      </Group>
      {!changed && (
        <Text size="xs" c="dimmed">
          Edit the policy to save a new version.
        </Text>
      )}
      {saveError && (
        <Alert color="red" variant="light" title="Not saved" role="alert" data-testid="policy-save-error">
          {saveError}
        </Alert>
      )}
    </Stack>
  );
}
