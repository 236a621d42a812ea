import { Badge, Button, Group, Text, Tooltip } from '@mantine/core';
import { useState } from 'react';
import type { SessionState } from '../../../shared/bridge/session-bridge.ts';
import { useBridge } from '../../bridge/bridge-react.tsx';
import { formatCountdown } from '../../ui/time-format.ts';
import { useNow } from '../../ui/use-now.ts';
import { expiryNotice } from './session-expiry.ts';

/** Who is signed in, a warning ahead of an unrefreshable expiry, and sign-out. */
export function SessionControls({ session }: { session: SessionState }) {
  const client = useBridge();
  const now = useNow(1000, session.expiryWarning);
  const notice = expiryNotice(session.expiresAt, session.expiryWarning, now);
  const [busy, setBusy] = useState(false);
  const user = session.user;

  const signOut = async () => {
    setBusy(true);
    try {
      await client.call('session.signOut', {});
    } finally {
      setBusy(false);
    }
  };

  const signInAgain = async () => {
    const result = await client.call('session.signIn', {});
    if (result.openedBy === 'renderer') window.open(result.authorizationUrl, '_blank', 'noopener');
  };

  return (
    <Group gap="sm" wrap="nowrap">
      {notice && (
        <Group gap={4} wrap="nowrap" data-testid="session-expiry-warning" role="status">
          <Badge color={notice.kind === 'expired' ? 'red' : 'orange'} variant="light">
            {notice.kind === 'expired' ? 'Session expired' : `Session ends in ${formatCountdown(notice.msLeft)}`}
          </Badge>
          <Button size="compact-xs" variant="light" onClick={() => void signInAgain()}>
            Sign in again
          </Button>
        </Group>
      )}
      {user && (
        <Tooltip label={`${user.groups.join(', ') || 'no groups'}${user.roles.length ? ` · roles: ${user.roles.join(', ')}` : ''}`}>
          <Text size="sm" data-testid="signed-in-user" tabIndex={0}>
            {user.name}
          </Text>
        </Tooltip>
      )}
      <Button size="xs" variant="default" onClick={() => void signOut()} loading={busy} data-testid="sign-out">
        Sign out
      </Button>
    </Group>
  );
}
