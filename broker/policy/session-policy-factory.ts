import type { Logger } from '../log.ts';
import type { UpstreamConfig } from '../pg/upstream/upstream-config.ts';
import { passThroughPolicy, type SessionPolicy } from '../pg/relay/session-policy.ts';

export interface SessionPolicySetup {
  policyFile: string | null;
  connection: string;
  auditSpoolDir: string | null;
  upstream: UpstreamConfig;
  log: Logger;
}

/** Builds the per-session policy from the command line's choices. */
export async function loadSessionPolicyFactory(setup: SessionPolicySetup): Promise<{ create: () => SessionPolicy; close: () => Promise<void> }> {
  if (setup.policyFile !== null) {
    throw new Error('policy documents are not wired yet');
  }
  return { create: () => passThroughPolicy, close: async () => undefined };
}
