import type { ConnectionCreate, PostgresTarget } from '../../shared/api/connections.ts';
import { callAs } from './bench-server.ts';
import type { BenchServer } from './bench-server.ts';

export const BENCH_CONNECTION = 'bench';
export const APPROVAL_RULE = 'writes-need-approval';

/** Reads run freely; every write waits for one db-approver (bob), as in the example analytics policy. */
export const BENCH_POLICY = `version: 1
connection: ${BENCH_CONNECTION}
default: allow
audit: durable
approval_wait: true
rules:
  - name: ${APPROVAL_RULE}
    when: { class: [write] }
    action: approve
    approvers: [db-approvers]
`;

/** Creates the bench connection as dave (an admin), open to analysts (alice). */
export async function createBenchConnection(server: BenchServer, target: PostgresTarget, password: string): Promise<void> {
  const body: ConnectionCreate = {
    name: BENCH_CONNECTION,
    kind: 'postgres',
    description: 'bench:server',
    target,
    credential: { kind: 'password', password },
    allowedGroups: ['analysts'],
    policyYaml: BENCH_POLICY,
    recordingRetentionDays: 1,
  };
  await callAs(server, 'dave', 'POST', '/v1/connections', body);
}
