import type { AppSession } from './app-session.ts';
import { BridgeFailure, type BridgeHandlers } from './bridge-dispatcher.ts';
import { translated } from './bridge-errors.ts';
import type { ConnectionPolicies } from './connection-policies.ts';
import { exportRefusal } from './export-policy.ts';
import type { QueryRunner } from './query-runner.ts';
import { formatResult } from './result-export.ts';

export type QueryHandlers = Pick<BridgeHandlers, 'query.run' | 'query.cancel' | 'query.export'>;

/** query.*: runs stream as query.event; export is judged by the connection's current policy. */
export function queryHandlers(d: { session: AppSession; runner: QueryRunner; policies: ConnectionPolicies }): QueryHandlers {
  return {
    'query.run': (params) =>
      translated(() => {
        d.session.active();
        return Promise.resolve(d.runner.run(params));
      }),
    'query.cancel': ({ queryId }) =>
      translated(async () => {
        await d.runner.cancel(queryId);
        return { ok: true as const };
      }),
    'query.export': ({ queryId, format }) =>
      translated(async () => {
        const active = d.session.active();
        const kept = d.runner.keptRun(queryId);
        if (kept === undefined) throw new BridgeFailure('not-found', 'that result is no longer kept; run the query again');
        if (kept.result === null) throw new BridgeFailure('invalid', 'that statement returned no rows to export');
        if (kept.truncated) throw new BridgeFailure('invalid', 'that result is too large to export from the query pane');
        const summary = await active.api.getConnection(kept.connection);
        const policy = await d.policies.get(active.api, kept.connection, summary.policyVersion);
        const refusal = await exportRefusal(policy, kept.sql);
        if (refusal !== null) throw new BridgeFailure('forbidden', refusal);
        return { path: null, content: formatResult(kept.result, format) };
      }),
  };
}
