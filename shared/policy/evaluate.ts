import { parseDurationMs } from './duration.ts';
import { globMatches, isWildcardOnly } from './glob.ts';
import { parseRelationPattern } from './name-pattern.ts';
import type { RelationPattern } from './name-pattern.ts';
import { DEFAULT_APPROVAL_EXPIRY } from './policy-document.ts';
import type { PolicyAction, PolicyDocument, PolicyRule, PolicyStatementClass, RuleCondition } from './policy-document.ts';

/**
 * Decides what happens to one classified statement: the first rule whose `when` holds wins,
 * otherwise the policy's default.
 *
 * All conditions a rule names must hold; each list holds when any of its entries does. When
 * a name is ambiguous the decision falls towards the stricter outcome:
 * - an unqualified relation or function could be in any schema on the search_path, or in
 *   pg_catalog (functions always, relations when named pg_*); a block or approve rule
 *   matches when ANY candidate matches, an allow rule only when EVERY candidate does;
 * - likewise an allow rule's `relations` / `functions` hold only when EVERY relation or
 *   function the statement touches matches (and it touches at least one), so "allow reads of
 *   public.*" never lets a join with payroll through; a block or approve rule needs just one.
 * Evaluate each statement of a multi-statement query on its own, or the whole classification
 * (which unions the relations); both shapes from the classifier fit ClassifiedStatement.
 */

/** What the evaluator needs from the SQL classifier's result (SqlClassification and StatementClassification fit). */
export interface ClassifiedStatement {
  class: PolicyStatementClass;
  export: boolean;
  relationsRead: readonly QualifiedName[];
  relationsWritten: readonly QualifiedName[];
  /** As the classifier reports them: `name` or `schema.name`. */
  functions: readonly string[];
}

export interface QualifiedName {
  schema: string | null;
  name: string;
}

export interface EvaluationContext {
  /**
   * The session's search_path with `$user` already resolved, in order. Empty means unknown:
   * an unqualified name may then be in any schema.
   */
  searchPath: string[];
}

export type PolicyDecision = {
  action: PolicyAction;
  /** null when no rule matched and the policy default decided. */
  ruleName: string | null;
  message: string;
  approvers: string[];
  minApprovals: number;
  expiresAfterMs: number;
  escalateAfterMs: number | null;
  escalateTo: string[];
  requireJustification: boolean;
};

// PostgreSQL searches pg_catalog for unqualified names even when search_path omits it. Every
// relation in pg_catalog is named pg_*, and nobody can add one there, so other relation names
// never resolve to it; functions (now, lower, …) can.
const IMPLICIT_SCHEMA = 'pg_catalog';
const CATALOG_RELATION_PREFIX = 'pg_';

export function evaluateStatement(policy: PolicyDocument, statement: ClassifiedStatement, ctx: EvaluationContext): PolicyDecision {
  const compiled = compilePolicy(policy);
  for (const rule of compiled.rules) {
    if (ruleMatches(rule, statement, ctx)) return decisionOfRule(rule.source);
  }
  return decisionOfDefault(policy);
}

interface CompiledRule {
  source: PolicyRule;
  relationPatterns: RelationPattern[] | null;
  functionPatterns: RelationPattern[] | null;
  /** Allow rules need every name to match; block and approve rules need one. */
  quantifier: 'every' | 'any';
}

const compiledPolicies = new WeakMap<PolicyDocument, { rules: CompiledRule[] }>();

function compilePolicy(policy: PolicyDocument): { rules: CompiledRule[] } {
  const cached = compiledPolicies.get(policy);
  if (cached !== undefined) return cached;
  const compiled = {
    rules: policy.rules.map((rule) => ({
      source: rule,
      relationPatterns: compilePatterns(rule.when.relations),
      functionPatterns: compilePatterns(rule.when.functions),
      quantifier: rule.action === 'allow' ? ('every' as const) : ('any' as const),
    })),
  };
  compiledPolicies.set(policy, compiled);
  return compiled;
}

function compilePatterns(globs: string[] | undefined): RelationPattern[] | null {
  if (globs === undefined) return null;
  return globs.map((glob) => {
    const pattern = parseRelationPattern(glob);
    // The schema rejects malformed globs; a hand-built policy must not lose a rule silently.
    if (pattern === null) throw new Error(`invalid relation or function glob "${glob}"`);
    return pattern;
  });
}

function ruleMatches(rule: CompiledRule, statement: ClassifiedStatement, ctx: EvaluationContext): boolean {
  const when: RuleCondition = rule.source.when;
  if (when.class !== undefined && !when.class.includes(statement.class)) return false;
  if (when.export !== undefined && when.export !== statement.export) return false;
  if (rule.relationPatterns !== null) {
    const relations = [...statement.relationsRead, ...statement.relationsWritten];
    if (!namesMatch(relations, rule.relationPatterns, rule.quantifier, (name) => relationCandidates(name, ctx))) return false;
  }
  if (rule.functionPatterns !== null) {
    const functions = statement.functions.map(splitFunctionName);
    if (!namesMatch(functions, rule.functionPatterns, rule.quantifier, (name) => functionCandidates(name, ctx))) return false;
  }
  return true;
}

function namesMatch(
  names: readonly QualifiedName[],
  patterns: readonly RelationPattern[],
  quantifier: 'every' | 'any',
  candidatesOf: (name: QualifiedName) => ResolvedName[],
): boolean {
  if (names.length === 0) return false;
  const candidateMatches = (candidate: ResolvedName): boolean =>
    patterns.some((pattern) => schemaMatches(pattern.schema, candidate.schema, quantifier) && globMatches(pattern.name, candidate.name));
  if (quantifier === 'any') return names.some((name) => candidatesOf(name).some(candidateMatches));
  return names.every((name) => candidatesOf(name).every(candidateMatches));
}

/** An unknown schema may be any schema: it satisfies an "any" rule, and an "every" rule only through `*`. */
function schemaMatches(pattern: string, schema: string | null, quantifier: 'every' | 'any'): boolean {
  if (schema !== null) return globMatches(pattern, schema);
  return quantifier === 'any' || isWildcardOnly(pattern);
}

interface ResolvedName {
  /** null: unknown, because there was no search_path to resolve against. */
  schema: string | null;
  name: string;
}

function relationCandidates(name: QualifiedName, ctx: EvaluationContext): ResolvedName[] {
  const mayBeCatalog = name.name.toLowerCase().startsWith(CATALOG_RELATION_PREFIX);
  return resolveAgainst(name, ctx.searchPath, mayBeCatalog);
}

function functionCandidates(name: QualifiedName, ctx: EvaluationContext): ResolvedName[] {
  return resolveAgainst(name, ctx.searchPath, true);
}

function resolveAgainst(name: QualifiedName, searchPath: readonly string[], mayBeCatalog: boolean): ResolvedName[] {
  if (name.schema !== null) return [{ schema: name.schema, name: name.name }];
  // Without a search_path we cannot tell where the name lands, so it may land anywhere.
  const schemas: (string | null)[] = searchPath.length === 0 ? [null] : [...new Set(searchPath)];
  if (mayBeCatalog && !schemas.includes(IMPLICIT_SCHEMA)) schemas.unshift(IMPLICIT_SCHEMA);
  return schemas.map((schema) => ({ schema, name: name.name }));
}

function splitFunctionName(qualified: string): QualifiedName {
  const dot = qualified.lastIndexOf('.');
  return dot === -1 ? { schema: null, name: qualified } : { schema: qualified.slice(0, dot), name: qualified.slice(dot + 1) };
}

function noApproval(): Omit<PolicyDecision, 'action' | 'ruleName' | 'message'> {
  return { approvers: [], minApprovals: 0, expiresAfterMs: 0, escalateAfterMs: null, escalateTo: [], requireJustification: false };
}

/** The approval fields a rule (or default_approval) carries, as written in the document. */
export interface ApprovalFields {
  approvers?: string[];
  min_approvals?: number;
  expires_after?: string;
  escalate_after?: string;
  escalate_to?: string[];
  require_justification?: boolean;
}

/** Approval settings with their defaults applied; shared with the server, which recomputes them itself. */
export function approvalOf(settings: ApprovalFields): Omit<PolicyDecision, 'action' | 'ruleName' | 'message'> {
  return {
    approvers: [...(settings.approvers ?? [])],
    minApprovals: settings.min_approvals ?? 1,
    expiresAfterMs: durationMs(settings.expires_after ?? DEFAULT_APPROVAL_EXPIRY),
    escalateAfterMs: settings.escalate_after === undefined ? null : durationMs(settings.escalate_after),
    escalateTo: [...(settings.escalate_to ?? [])],
    requireJustification: settings.require_justification ?? false,
  };
}

function durationMs(text: string): number {
  const ms = parseDurationMs(text);
  if (ms === null) throw new Error(`invalid duration "${text}" in a policy that skipped validation`);
  return ms;
}

function decisionOfRule(rule: PolicyRule): PolicyDecision {
  const suffix = rule.message === undefined ? '' : `: ${rule.message}`;
  switch (rule.action) {
    case 'allow':
      return { action: 'allow', ruleName: rule.name, message: `allowed by rule "${rule.name}"${suffix}`, ...noApproval() };
    case 'block':
      return { action: 'block', ruleName: rule.name, message: `blocked by rule "${rule.name}"${suffix}`, ...noApproval() };
    case 'approve':
      return { action: 'approve', ruleName: rule.name, message: `approval required by rule "${rule.name}"${suffix}`, ...approvalOf(rule) };
    default:
      return rule.action satisfies never;
  }
}

function decisionOfDefault(policy: PolicyDocument): PolicyDecision {
  switch (policy.default) {
    case 'allow':
      return { action: 'allow', ruleName: null, message: 'allowed by the policy default (no rule matched)', ...noApproval() };
    case 'block':
      return { action: 'block', ruleName: null, message: 'blocked by the policy default (no rule matched)', ...noApproval() };
    case 'approve': {
      const settings = policy.default_approval;
      const suffix = settings?.message === undefined ? '' : `: ${settings.message}`;
      // The schema requires default_approval here; without approvers nobody could approve, so a
      // hand-built policy missing it blocks instead of queueing a request that can never pass.
      if (settings === undefined) {
        return { action: 'block', ruleName: null, message: 'blocked by the policy default (approval required but no approvers configured)', ...noApproval() };
      }
      return { action: 'approve', ruleName: null, message: `approval required by the policy default (no rule matched)${suffix}`, ...approvalOf(settings) };
    }
    default:
      return policy.default satisfies never;
  }
}
