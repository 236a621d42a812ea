import { Alert, Button, Center, Code, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import type { LinkStatus } from '../../bridge/bridge-transport.ts';
import { useBridge } from '../../bridge/bridge-react.tsx';
import { formatCountdown } from '../../ui/time-format.ts';
import { useNow } from '../../ui/use-now.ts';

const GENERIC_REASON = 'cannot reach the broker';

function sentence(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** Full page for when there is no app to show yet: connecting, unreachable, or opened without a token. */
export function BrokerUnavailable({ link, error, onRetrySession }: { link: LinkStatus; error?: string | null; onRetrySession?: () => void }) {
  const client = useBridge();
  const now = useNow(1000, link.state === 'unreachable');
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" maw={560} w="100%" data-testid="broker-state" data-state={link.state}>
        <Stack>
          <Title order={1} size="h3">
            Gatehouse
          </Title>
          {link.state === 'connecting' && (
            <Stack align="center" gap="xs" role="status">
              <Loader />
              <Text>Connecting to the broker…</Text>
            </Stack>
          )}
          {link.state === 'open' && !error && (
            <Stack align="center" gap="xs" role="status">
              <Loader />
              <Text>Loading…</Text>
            </Stack>
          )}
          {link.state === 'open' && error && (
            <Alert color="red" title="The broker answered with an error" role="alert" data-testid="broker-error">
              <Stack gap="xs">
                <Text size="sm">{error}</Text>
                {onRetrySession && (
                  <Button variant="default" onClick={onRetrySession} w="fit-content">
                    Try again
                  </Button>
                )}
              </Stack>
            </Alert>
          )}
          {link.state === 'unreachable' && (
            <Alert color="red" title="Cannot reach the broker" role="alert" data-testid="broker-unreachable">
              <Stack gap="xs">
                {link.reason !== GENERIC_REASON && <Text size="sm">{sentence(link.reason)}</Text>}
                <Text size="sm">
                  Is <Code>gatehouse ui</Code> still running? Retrying in {formatCountdown(link.retryAt - now)} (attempt {link.attempt}).
                </Text>
                <Button variant="default" onClick={() => client.retryNow()} w="fit-content" data-testid="retry-now">
                  Retry now
                </Button>
              </Stack>
            </Alert>
          )}
          {link.state === 'no-token' && (
            <Alert color="red" title="Cannot reach the broker" role="alert" data-testid="broker-no-token">
              <Text size="sm">
                This page was opened without its access token. Open the address that <Code>gatehouse ui</Code> printed (it ends in <Code>#token=…</Code>).
              </Text>
            </Alert>
          )}
          {link.state === 'closed' && (
            <Alert color="gray" title="Disconnected" role="status">
              <Text size="sm">The connection to the broker was closed. Reload the page to reconnect.</Text>
            </Alert>
          )}
        </Stack>
      </Paper>
    </Center>
  );
}

/** A thin bar over a running app while the link is down: the page keeps its state and reconnects. */
export function LinkBanner({ link }: { link: LinkStatus }) {
  const client = useBridge();
  const now = useNow(1000, link.state === 'unreachable');
  if (link.state === 'open') return null;
  return (
    <div className="link-banner" role="alert" data-testid="broker-banner" data-state={link.state}>
      {link.state === 'unreachable' ? (
        <>
          Lost the broker: {link.reason}. Reconnecting in {formatCountdown(link.retryAt - now)}…{' '}
          <button type="button" onClick={() => client.retryNow()}>
            Retry now
          </button>
        </>
      ) : link.state === 'connecting' ? (
        'Reconnecting to the broker…'
      ) : (
        'Disconnected from the broker.'
      )}
    </div>
  );
}
