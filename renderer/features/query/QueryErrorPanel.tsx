import { Alert, Code, Stack, Text } from '@mantine/core';
import type { RunError } from './query-run.ts';

/** A failed statement: the SQLSTATE and the policy's (or the database's) message, detail and hint. */
export function QueryErrorPanel({ error }: { error: RunError }) {
  return (
    <Alert color="red" variant="light" title={error.sqlstate ? `Error ${error.sqlstate}` : 'Error'} data-testid="query-error" data-sqlstate={error.sqlstate ?? ''} role="alert">
      <Stack gap={4}>
        <Text size="sm" data-testid="query-error-message">
          {error.message}
        </Text>
        {error.detail && (
          <Text size="sm" c="dimmed">
            Detail: {error.detail}
          </Text>
        )}
        {error.hint && (
          <Text size="sm" data-testid="query-error-hint">
            Hint: {error.hint}
          </Text>
        )}
        {error.sqlstate && (
          <Text size="xs" c="dimmed">
            SQLSTATE <Code>{error.sqlstate}</Code>
          </Text>
        )}
      </Stack>
    </Alert>
  );
}
