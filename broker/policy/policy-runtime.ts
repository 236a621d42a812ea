import type { PolicyDocument } from '../../shared/policy/policy-document.ts';
import type { AuditActor } from '../../shared/audit/audit-event.ts';
import type { Volatility } from '../../shared/sql/functions.ts';
import { ClassificationCache } from '../../shared/sql/classification-cache.ts';
import type { AuditSpool } from '../audit/audit-spool.ts';
import type { CatalogClient } from '../pg/upstream/catalog-client.ts';
import { sqlLiteral } from '../pg/upstream/catalog-client.ts';
import type { Logger } from '../log.ts';
import type { ApprovalGate } from './approval-gate.ts';

/** What every session of one listener shares: the policy, the audit spool, the catalog. */
export interface PolicyRuntime {
  policy: PolicyDocument;
  connection: string;
  actor: AuditActor;
  spool: AuditSpool | null;
  catalog: CatalogClient;
  /** Key of the `hash` mask style; stable for the listener's life so joins on hashed values work. */
  maskingKey: Buffer;
  /** Catalog volatility by `schema.name` or `.name` (unqualified); null = no such function. */
  volatility: Map<string, Volatility | null>;
  /**
   * Classifications every session of the listener may reuse. They are judged with `volatility`,
   * which is never updated once it holds a function, so the two stay consistent.
   */
  classifications: ClassificationCache;
  log: Logger;
  /** The policy server's approvals; null when the proxy runs offline. */
  approvals: ApprovalGate | null;
  /** The policy version the document came from (0 offline). */
  policyVersion: number;
  /**
   * Fail closed: returns a reason when the policy server has been out of reach for longer
   * than the grace period, after which statements are refused. Null when all is well.
   */
  serverOutage?: () => string | null;
}

/** Texts kept per standard_conforming_strings setting: a few thousand bytes of tree each. */
const CACHED_CLASSIFICATIONS = 500;

export function newClassificationCache(): ClassificationCache {
  return new ClassificationCache(CACHED_CLASSIFICATIONS);
}

export function volatilityKey(fn: string): string {
  const dot = fn.lastIndexOf('.');
  return dot < 0 ? `.${fn.toLowerCase()}` : `${fn.slice(0, dot).toLowerCase()}.${fn.slice(dot + 1).toLowerCase()}`;
}

/** Looks up functions' volatility in pg_proc; the most volatile overload counts. */
export async function loadVolatility(runtime: PolicyRuntime, functions: string[]): Promise<void> {
  const keys = [...new Set(functions.map(volatilityKey))].filter((k) => !runtime.volatility.has(k));
  if (keys.length === 0) return;
  const names = [...new Set(keys.map((k) => k.slice(k.indexOf('.') + 1)))];
  const rows = await runtime.catalog.query(
    `select n.nspname, p.proname, max(p.provolatile::text)
       from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
      where p.proname in (${names.map(sqlLiteral).join(',')}) group by 1, 2`,
  );
  const found = new Map<string, string>();
  for (const [schema, name, v] of rows) {
    const q = `${schema}.${name}`;
    found.set(q, v!);
    const bare = `.${name}`;
    const prev = found.get(bare);
    found.set(bare, prev === undefined || v! > prev ? v! : prev);
  }
  const toVolatility = (v: string | undefined): Volatility | null => (v === 'i' ? 'immutable' : v === 's' ? 'stable' : v === 'v' ? 'volatile' : null);
  for (const k of keys) runtime.volatility.set(k, toVolatility(found.get(k)));
}
