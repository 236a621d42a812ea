import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import type { UpstreamConfig } from '../pg/upstream/upstream-config.ts';
import type { SessionPolicyFactory } from '../pg/relay/session-policy.ts';
import { parsePolicyText, formatPolicyErrors } from '../../shared/policy/parse-policy.ts';
import type { PolicyDocument } from '../../shared/policy/policy-document.ts';
import { initSqlParser } from '../../shared/sql/classify.ts';
import { AuditSpool } from '../audit/audit-spool.ts';
import { CatalogClient } from '../pg/upstream/catalog-client.ts';
import { EnforcingSessionPolicy } from './enforcing-session-policy.ts';
import { newClassificationCache, type PolicyRuntime } from './policy-runtime.ts';

export interface SessionPolicySetup {
  policyFile: string | null;
  connection: string;
  auditSpoolDir: string | null;
  upstream: UpstreamConfig;
  log: Logger;
  /** Hex or base64 key for the `hash` mask style; a random one per start when absent. */
  maskingKey?: string;
}

/** Reads and validates a policy file; the error names the file, line and field. */
export function loadPolicyFile(path: string): PolicyDocument {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read policy ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const parsed = parsePolicyText(text);
  if (!parsed.ok) throw new Error(`invalid policy document:\n${formatPolicyErrors(path, parsed.errors)}`);
  return parsed.policy;
}

export function defaultSpoolDir(connection: string): string {
  const base = process.env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share');
  return join(base, 'gatehouse', 'spool', connection.replace(/[^A-Za-z0-9_.-]/g, '_'));
}

/** Builds the per-session policy from the command line's choices: a policy file, a spool, or both (with neither the proxy passes everything and loads none of this). */
export async function loadSessionPolicyFactory(setup: SessionPolicySetup): Promise<SessionPolicyFactory> {
  const policy: PolicyDocument =
    setup.policyFile === null
      ? (parsePolicyText(`version: 1\nconnection: ${JSON.stringify(setup.connection)}\ndefault: allow\n`) as { ok: true; policy: PolicyDocument }).policy
      : loadPolicyFile(setup.policyFile);
  await initSqlParser();
  const spoolDir = setup.auditSpoolDir ?? defaultSpoolDir(setup.connection);
  const spool = await AuditSpool.open(spoolDir, { durability: policy.audit });
  const catalog = new CatalogClient(setup.upstream);
  const runtime: PolicyRuntime = {
    policy,
    connection: policy.connection ?? setup.connection,
    actor: { user: process.env['GATEHOUSE_USER'] ?? userInfo().username, kind: 'human', localUser: userInfo().username },
    spool,
    catalog,
    maskingKey: setup.maskingKey === undefined ? randomBytes(32) : Buffer.from(setup.maskingKey, /^[0-9a-f]+$/i.test(setup.maskingKey) ? 'hex' : 'base64'),
    volatility: new Map(),
    classifications: newClassificationCache(),
    log: setup.log,
    approvals: null,
    policyVersion: 0,
  };
  setup.log.info({ spool: spoolDir, audit: policy.audit, rules: policy.rules.length }, 'policy loaded');
  return {
    create: () => new EnforcingSessionPolicy(runtime),
    close: async () => {
      catalog.close();
      await spool.close();
    },
  };
}
