import type { ComponentType, ReactNode } from 'react';
import type { Principal } from '../../../shared/api/identity.ts';
import { DatabaseIcon, InboxIcon, QueryIcon, TerminalIcon } from '../../ui/icons.tsx';
import { AdminIcon } from '../admin/AdminIcon.tsx';
import { AdminView } from '../admin/AdminView.tsx';
import { ApprovalsView } from '../approvals/ApprovalsView.tsx';
import { AuditIcon } from '../audit/AuditIcon.tsx';
import { AuditView } from '../audit/AuditView.tsx';
import { ConnectionsView } from '../connections/ConnectionsView.tsx';
import { QueryView } from '../query/QueryView.tsx';
import { RecordingsIcon } from '../recordings/RecordingsIcon.tsx';
import { RecordingsView } from '../recordings/RecordingsView.tsx';
import { roleActionsFor } from '../roles/role-actions.ts';
import { TerminalsView } from '../terminals/TerminalsView.tsx';
import type { HashRoute } from './hash-route.ts';
import { usePendingApprovalCount } from './pending-approvals.tsx';

/** One page of the app: `#/<segment>/…` shows `render`, and the navigation lists it. */
export interface AppRoute {
  segment: string;
  label: string;
  icon: ComponentType<{ size?: number }>;
  render: (route: HashRoute) => ReactNode;
  /** Keep the page alive (hidden) after leaving it, e.g. running queries or open terminals. */
  keepMounted?: boolean;
  /** A count shown next to the label (a hook: it may subscribe to bridge events). */
  useBadge?: () => number;
  /** Who sees the page in the navigation; everyone when absent. */
  visibleTo?: (user: Principal) => boolean;
}

/*
 * Part 2 adds Terminals, Recordings and Audit here: one entry each, in the order the
 * navigation shows them.
 */
export const appRoutes: readonly AppRoute[] = [
  { segment: 'connections', label: 'Connections', icon: DatabaseIcon, render: () => <ConnectionsView /> },
  { segment: 'query', label: 'Query', icon: QueryIcon, render: (route) => <QueryView route={route} />, keepMounted: true, visibleTo: (user) => roleActionsFor(user).openConnections },
  { segment: 'terminals', label: 'Terminals', icon: TerminalIcon, render: (route) => <TerminalsView route={route} />, keepMounted: true, visibleTo: (user) => roleActionsFor(user).openConnections },
  { segment: 'approvals', label: 'Approvals', icon: InboxIcon, render: (route) => <ApprovalsView selectedId={route.segments[1] ?? null} />, useBadge: usePendingApprovalCount },
  { segment: 'recordings', label: 'Recordings', icon: RecordingsIcon, render: (route) => <RecordingsView route={route} /> },
  { segment: 'audit', label: 'Audit', icon: AuditIcon, render: () => <AuditView /> },
  { segment: 'admin', label: 'Admin', icon: AdminIcon, render: (route) => <AdminView selected={route.segments[1] ?? null} />, visibleTo: (user) => roleActionsFor(user).administer },
];

export const defaultRouteSegment = 'connections';
