import { AppShell, Burger, Group, NavLink, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useEffect, useState } from 'react';
import type { SessionState } from '../../../shared/bridge/session-bridge.ts';
import { NavBadge } from './NavBadge.tsx';
import { NotificationToasts } from './NotificationToasts.tsx';
import { PendingApprovalsProvider } from './pending-approvals.tsx';
import { appRoutes, defaultRouteSegment } from './route-table.tsx';
import { SessionControls } from './SessionControls.tsx';
import { SessionUserProvider } from './session-user.tsx';
import { ThemeToggle } from './ThemeToggle.tsx';
import { formatHashRoute } from './hash-route.ts';
import { replaceRoute, useHashRoute } from './use-hash-route.ts';

/** The signed-in app: header, navigation from the route table, and the current page. */
export function AppFrame({ session }: { session: SessionState }) {
  const [navOpen, { toggle: toggleNav, close: closeNav }] = useDisclosure(false);
  const route = useHashRoute();
  const user = session.user;
  const visibleRoutes = appRoutes.filter((r) => !r.visibleTo || (user !== null && r.visibleTo(user)));
  const current = visibleRoutes.find((r) => r.segment === route.segments[0]);
  const [visited, setVisited] = useState<ReadonlySet<string>>(() => new Set());

  useEffect(() => {
    if (!current) replaceRoute(formatHashRoute([defaultRouteSegment]));
  }, [current]);

  useEffect(() => {
    if (current?.keepMounted && !visited.has(current.segment)) setVisited(new Set([...visited, current.segment]));
  }, [current, visited]);

  useEffect(closeNav, [route, closeNav]);

  return (
    <SessionUserProvider user={user}>
    <PendingApprovalsProvider>
      <a className="skip-link" href="#main-content" onClick={(e) => { e.preventDefault(); document.getElementById('main-content')?.focus(); }}>
        Skip to content
      </a>
      <AppShell header={{ height: 52 }} navbar={{ width: 210, breakpoint: 'sm', collapsed: { mobile: !navOpen } }} padding={0}>
        <AppShell.Header>
          <Group h="100%" px="md" justify="space-between" wrap="nowrap">
            <Group gap="sm" wrap="nowrap">
              <Burger opened={navOpen} onClick={toggleNav} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
              <Text fw={700} size="lg" component="span">
                Gatehouse
              </Text>
              {session.serverUrl && (
                <Text size="xs" c="dimmed" visibleFrom="md" component="span" data-testid="server-label">
                  {session.serverUrl}
                </Text>
              )}
            </Group>
            <Group gap="sm" wrap="nowrap">
              <SessionControls session={session} />
              <ThemeToggle />
            </Group>
          </Group>
        </AppShell.Header>
        <AppShell.Navbar p="xs" component="nav" aria-label="Main">
          {visibleRoutes.map((r) => {
            const Icon = r.icon;
            const active = r === current;
            return (
              <NavLink
                key={r.segment}
                component="a"
                href={formatHashRoute([r.segment])}
                label={r.label}
                leftSection={<Icon size={16} />}
                rightSection={r.useBadge ? <NavBadge useCount={r.useBadge} segment={r.segment} label={`pending ${r.label.toLowerCase()}`} /> : undefined}
                active={active}
                aria-current={active ? 'page' : undefined}
                data-testid={`nav-${r.segment}`}
              />
            );
          })}
        </AppShell.Navbar>
        <AppShell.Main id="main-content" tabIndex={-1} className="app-main">
          {visibleRoutes.map((r) => {
            const isCurrent = r === current;
            if (!isCurrent && !(r.keepMounted && visited.has(r.segment))) return null;
            return (
              <section key={r.segment} className="app-page" hidden={!isCurrent} aria-label={r.label} data-testid={`page-${r.segment}`}>
                {r.render(isCurrent ? route : { segments: [r.segment], params: {} })}
              </section>
            );
          })}
        </AppShell.Main>
      </AppShell>
      {session.host === 'browser' && <NotificationToasts />}
    </PendingApprovalsProvider>
    </SessionUserProvider>
  );
}
