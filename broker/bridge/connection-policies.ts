import type { PolicyDocument } from '../../shared/policy/policy-document.ts';
import { formatPolicyErrors, parsePolicyText } from '../../shared/policy/parse-policy.ts';
import type { ServerApi } from '../server-client/api-client.ts';

/**
 * The policy documents of connections, by version, as the server serves them (GET
 * /v1/connections/:name/policies/:version). A version never changes, so each is fetched once.
 */
export class ConnectionPolicies {
  private readonly cache = new Map<string, Promise<PolicyDocument>>();

  get(api: ServerApi, connection: string, version: number): Promise<PolicyDocument> {
    const key = `${connection}@${version}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const loading = api.getPolicyVersion(connection, version).then((found) => parsePolicy(connection, version, found.yaml));
    this.cache.set(key, loading);
    loading.catch(() => this.cache.delete(key));
    return loading;
  }

  /** A policy that arrived another way (with a lease), so it need not be fetched. */
  remember(connection: string, version: number, yaml: string): void {
    const key = `${connection}@${version}`;
    if (this.cache.has(key)) return;
    const parsed = Promise.resolve().then(() => parsePolicy(connection, version, yaml));
    parsed.catch(() => this.cache.delete(key));
    this.cache.set(key, parsed);
  }

  clear(): void {
    this.cache.clear();
  }
}

function parsePolicy(connection: string, version: number, yaml: string): PolicyDocument {
  const parsed = parsePolicyText(yaml);
  if (!parsed.ok) throw new Error(`the policy of ${connection} (v${version}) is invalid:\n${formatPolicyErrors(`${connection} v${version}`, parsed.errors)}`);
  return parsed.policy;
}
