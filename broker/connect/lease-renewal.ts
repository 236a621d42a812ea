import type { Lease } from '../../shared/api/connections.ts';
import { formatPolicyErrors, parsePolicyText } from '../../shared/policy/parse-policy.ts';
import type { PolicyDocument } from '../../shared/policy/policy-document.ts';
import type { Logger } from '../log.ts';
import type { ServerApi } from '../server-client/api-client.ts';
import type { ServerEventStream } from '../server-client/event-stream.ts';

/** The policy a lease carries; a server sending one that does not parse is an error, not a default. */
export function policyFromLease(lease: Lease): PolicyDocument {
  const parsed = parsePolicyText(lease.policy.yaml);
  if (!parsed.ok) throw new Error(`the server's policy for ${lease.connection} is invalid:\n${formatPolicyErrors(`${lease.connection} v${lease.policy.version}`, parsed.errors)}`);
  return parsed.policy;
}

export interface LeaseRenewalOptions {
  api: ServerApi;
  events: ServerEventStream;
  connection: string;
  brokerSessionId: string;
  /** The first lease: its lifetime sets how often the lease is renewed. */
  lease: Lease;
  log: Logger;
  /** Takes a fresh lease into use; throwing keeps the previous one. */
  apply: (fresh: Lease, why: string) => void;
}

/**
 * Keeps a `gatehouse connect` lease current: renewed before it runs out, so new sessions always
 * have a valid credential, and at once when the server says the connection's policy changed.
 * Returns what stops the renewals.
 */
export function renewLease(o: LeaseRenewalOptions): () => void {
  const refresh = (why: string): void => {
    o.api.createLease({ connection: o.connection, brokerSessionId: o.brokerSessionId }).then(
      (fresh) => {
        try {
          o.apply(fresh, why);
        } catch (err) {
          o.log.error({ err: (err as Error).message, why }, 'ignoring a renewed lease that cannot be used; keeping the previous one');
        }
      },
      (err: unknown) => o.log.warn({ err: (err as Error).message, why }, 'could not renew the lease'),
    );
  };
  const unsubscribe = o.events.on('policy.changed', (e) => {
    if (e.connection === o.connection) refresh('policy changed');
  });
  const timer = setInterval(() => refresh('renewal'), Math.max(30_000, (Date.parse(o.lease.expiresAt) - Date.now()) * 0.7));
  timer.unref();
  return () => {
    clearInterval(timer);
    unsubscribe();
  };
}
