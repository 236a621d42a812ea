import { Alert, Button, Group, Stack, Text, Textarea } from '@mantine/core';
import { useState, type FormEvent } from 'react';

/** The rule wants a reason before it will queue the statement for approval. */
export function JustificationPanel({ message, hint, onSubmit }: { message: string; hint: string | null; onSubmit: (justification: string) => void }) {
  const [text, setText] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (text.trim()) onSubmit(text.trim());
  };
  return (
    <Alert variant="light" color="yellow" title="This statement needs approval and a justification" data-testid="justification-panel">
      <form onSubmit={submit}>
        <Stack gap="xs">
          <Text size="sm">{message}</Text>
          {hint && (
            <Text size="sm" c="dimmed">
              {hint}
            </Text>
          )}
          <Textarea
            label="Why do you need to run this?"
            description="Approvers see this with the exact statement."
            autosize
            minRows={2}
            maxLength={2000}
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            data-testid="justification-input"
            required
            data-autofocus
          />
          <Group>
            <Button type="submit" disabled={!text.trim()} data-testid="submit-justification">
              Request approval
            </Button>
          </Group>
        </Stack>
      </form>
    </Alert>
  );
}
