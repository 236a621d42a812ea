import type { AppDeps, GatehouseApp, RouteModule } from './app-types.ts';
import { healthRoutes } from './health-routes.ts';
import { meRoutes } from './me-routes.ts';

/**
 * Every feature's routes, in one list: a new feature adds one import and one entry.
 * Authenticated routes use `onRequest: [app.authenticate, requireRole(...)]` (authentication
 * runs before the body is parsed or validated) and `security: BEARER_SECURITY` in their schema.
 */
const routeModules: RouteModule[] = [healthRoutes, meRoutes];

export async function registerRoutes(app: GatehouseApp, deps: AppDeps): Promise<void> {
  for (const register of routeModules) await register(app, deps);
}
