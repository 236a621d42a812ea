import { auditRoutes } from '../audit/audit-routes.ts';
import { approvalRoutes } from '../approvals/approval-routes.ts';
import { eventRoutes } from '../events/event-routes.ts';
import type { AppDeps, GatehouseApp, RouteModule } from './app-types.ts';
import { connectionRoutes } from '../connections/connection-routes.ts';
import { leaseRoutes } from '../connections/lease-routes.ts';
import { policyRoutes } from '../connections/policy-routes.ts';
import { recordingRoutes } from '../recordings/recording-routes.ts';
import { sessionRoutes } from '../sessions/session-routes.ts';
import { authConfigRoutes } from './auth-config-routes.ts';
import { healthRoutes } from './health-routes.ts';
import { loginAudit } from './login-audit.ts';
import { meRoutes } from './me-routes.ts';

/**
 * Every feature's routes, in one list: a new feature adds one import and one entry.
 * Authenticated routes use `onRequest: [app.authenticate, requireRole(...)]` (authentication
 * runs before the body is parsed or validated) and `security: BEARER_SECURITY` in their schema.
 */
const routeModules: RouteModule[] = [
  // First: its preHandler must be in place before any module creates an encapsulated context.
  loginAudit(),
  healthRoutes,
  meRoutes,
  auditRoutes,
  authConfigRoutes,
  connectionRoutes,
  policyRoutes,
  leaseRoutes,
  eventRoutes,
  approvalRoutes,
  recordingRoutes,
  sessionRoutes,
];

export async function registerRoutes(app: GatehouseApp, deps: AppDeps): Promise<void> {
  for (const register of routeModules) await register(app, deps);
}
