import { Alert, Anchor, Button, Center, Code, Group, Loader, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { SessionState } from '../../../shared/bridge/session-bridge.ts';
import { useBridge } from '../../bridge/bridge-react.tsx';
import { ThemeToggle } from '../app-shell/ThemeToggle.tsx';

/**
 * First run and sign-in: name the policy server (the broker discovers its identity provider),
 * then sign in; the broker finishes the OIDC flow and announces it with `session.changed`.
 */
export function SignInView({ session, onSession }: { session: SessionState; onSession: (session: SessionState) => void }) {
  const client = useBridge();
  const [url, setUrl] = useState(session.serverUrl ?? '');
  const [saving, setSaving] = useState(false);
  const [signingIn, setSigningIn] = useState(false);
  const [authorizationUrl, setAuthorizationUrl] = useState<string | null>(null);
  const [waitingForBrowser, setWaitingForBrowser] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const serverChanged = url.trim() !== (session.serverUrl ?? '');
  const canSignIn = session.serverUrl !== null && session.issuer !== null && !serverChanged;

  const saveServer = async (event: FormEvent) => {
    event.preventDefault();
    if (!url.trim()) return;
    setSaving(true);
    setError(null);
    try {
      onSession(await client.call('session.setServer', { url: url.trim() }));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setSaving(false);
    }
  };

  const signIn = async () => {
    setSigningIn(true);
    setError(null);
    try {
      const result = await client.call('session.signIn', {});
      setAuthorizationUrl(result.authorizationUrl);
      setWaitingForBrowser(true);
      if (result.openedBy === 'renderer') window.open(result.authorizationUrl, '_blank', 'noopener');
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setSigningIn(false);
    }
  };

  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" maw={520} w="100%" component="main" aria-labelledby="sign-in-title" data-testid="sign-in-view">
        <Stack>
          <Group justify="space-between">
            <Title order={1} size="h3" id="sign-in-title">
              Sign in to Gatehouse
            </Title>
            <ThemeToggle />
          </Group>
          <form onSubmit={(e) => void saveServer(e)}>
            <Stack gap="xs">
              <TextInput
                label="Policy server"
                description="The address your administrator gave you, e.g. https://gatehouse.example.com"
                placeholder="https://gatehouse.example.com"
                value={url}
                onChange={(e) => setUrl(e.currentTarget.value)}
                type="url"
                required
                autoFocus={session.serverUrl === null}
                data-testid="server-url"
              />
              <Group>
                <Button type="submit" variant={canSignIn ? 'default' : 'filled'} loading={saving} disabled={!url.trim() || (!serverChanged && session.issuer !== null)} data-testid="set-server">
                  {session.serverUrl === null ? 'Continue' : 'Use this server'}
                </Button>
              </Group>
            </Stack>
          </form>
          {session.issuer && !serverChanged && (
            <Text size="sm" data-testid="issuer">
              Identity provider: <Code>{session.issuer}</Code>
            </Text>
          )}
          {error && (
            <Alert color="red" title="That did not work" role="alert" data-testid="sign-in-error">
              {error}
            </Alert>
          )}
          <Button size="md" onClick={() => void signIn()} disabled={!canSignIn} loading={signingIn} data-testid="sign-in">
            Sign in
          </Button>
          {waitingForBrowser && authorizationUrl && (
            <Stack gap={4} role="status" data-testid="sign-in-waiting">
              <Group gap="xs">
                <Loader size="xs" aria-hidden="true" />
                <Text size="sm">Finish signing in in the browser window that opened; this page continues by itself.</Text>
              </Group>
              <Anchor href={authorizationUrl} target="_blank" rel="noopener noreferrer" size="sm" data-testid="sign-in-link">
                Open the sign-in page again
              </Anchor>
            </Stack>
          )}
        </Stack>
      </Paper>
    </Center>
  );
}
