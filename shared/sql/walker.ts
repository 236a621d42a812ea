import { BARE_STRUCT_FIELDS } from './ast-fields.ts';
import { asArray, isRecord, stringList } from './ast-values.ts';
import { judgeFunction } from './functions.ts';
import { NEUTRAL_NODES } from './node-kinds.ts';
import { BUILTIN_OPERATORS } from './operators.ts';
import { StatementAnalysis } from './analysis.ts';
import type { AstRecord } from './ast-values.ts';
import type { FunctionVolatilityLookup } from './functions.ts';
import type { StatementClassification } from './classification.ts';

// Generic traversal of a libpg-query parse tree. Every object in the tree is visited and named; the
// statement rules decide what a statement node means, the walker collects relations and function calls
// wherever they occur (subqueries, CTEs, function arguments, LATERAL, FROM functions, defaults,
// RETURNING, ON CONFLICT, VALUES, ...). A node it cannot name makes the statement `unknown`.

export type RelationRole = 'read' | 'write';

export interface StatementRuleContext {
  /** Role inherited by relations under this node that the rule does not place itself. */
  role: RelationRole;
  /** True for the statement root only: session effects come from top-level statements. */
  top: boolean;
}

export type StatementRule = (body: AstRecord, walker: AstWalker, context: StatementRuleContext) => void;

export interface WalkEnvironment {
  readonly rules: Readonly<Record<string, StatementRule>>;
  readonly functionVolatility: FunctionVolatilityLookup | undefined;
  lookupPrepared(name: string): StatementClassification | undefined;
  /** Text and fingerprint of the statement being walked, for the classification a PREPARE records. */
  readonly statementText: string;
  readonly statementFingerprint: string;
}

// Relations in these slots are referenced, not changed, even inside DDL.
const READ_SLOTS = new Set(['Constraint.pktable', 'TableLikeClause.relation']);

/** Non-statement nodes visitNode handles itself rather than as neutral (listed for the completeness test). */
export const WALKER_SPECIAL_NODES: readonly string[] = ['RangeVar', 'FuncCall', 'A_Expr', 'LockingClause', 'IntoClause', 'RangeTableSample', 'WithClause'];

const BUILTIN_SAMPLING_METHODS = new Set(['system', 'bernoulli']);

export class AstWalker {
  /** CTE names visible at the current point, innermost scope last. */
  private readonly cteScopes: Set<string>[] = [];

  constructor(
    readonly analysis: StatementAnalysis,
    readonly env: WalkEnvironment,
  ) {}

  /** A walker that records into a fresh analysis (for statements inside EXPLAIN and PREPARE). */
  fork(): AstWalker {
    return new AstWalker(new StatementAnalysis(), this.env);
  }

  /** Walk a statement root (`{ "SelectStmt": {...} }`) and return its node type. */
  walkStatement(root: unknown, top = true): string {
    if (!isRecord(root)) {
      this.analysis.raise('unknown', 'statement has no parse tree');
      return 'unknown';
    }
    const keys = Object.keys(root);
    const type = keys[0];
    if (keys.length !== 1 || type === undefined) {
      this.analysis.raise('unknown', 'statement parse tree has an unexpected shape');
      return 'unknown';
    }
    this.visitNode(type, root[type], { role: 'read', top });
    return type;
  }

  visitNode(type: string, body: unknown, context: StatementRuleContext): void {
    if (!isRecord(body)) {
      this.analysis.raise('unknown', `${type} node has an unexpected shape`);
      return;
    }
    const rule = this.env.rules[type];
    if (rule !== undefined) {
      rule(body, this, context);
      return;
    }
    const role = context.role;
    switch (type) {
      case 'RangeVar':
        this.relation(body, role);
        return;
      case 'FuncCall':
        this.functionCall(body, role);
        return;
      case 'A_Expr':
        this.operator(body, role);
        return;
      case 'LockingClause':
        // FOR UPDATE OF <names>: the names are FROM-list aliases, not relations, so they are not walked.
        this.analysis.raise('write', `SELECT ... ${lockStrengthText(body.strength)} locks rows`);
        return;
      case 'IntoClause':
        this.analysis.raise('ddl', 'creates a table from a query (SELECT INTO / CREATE TABLE AS)');
        this.visitFields(type, body, 'read', ['rel']);
        this.visitField(type, body, 'rel', 'write');
        return;
      case 'RangeTableSample':
        this.samplingMethod(body);
        this.visitFields(type, body, role);
        return;
      case 'WithClause':
        // Only reached for a WITH outside the statements that scope it; walk it without scoping.
        this.visitFields(type, body, role);
        return;
      default:
        if (!NEUTRAL_NODES.has(type)) this.analysis.raise('unknown', `unrecognized parse node ${type}`);
        this.visitFields(type, body, role);
    }
  }

  /** Visit every field of `body` except `skip`, relations inheriting `role`. */
  visitFields(type: string, body: AstRecord, role: RelationRole, skip: readonly string[] = []): void {
    for (const field of Object.keys(body)) {
      if (skip.includes(field)) continue;
      this.visitField(type, body, field, role);
    }
  }

  visitField(type: string, body: AstRecord, field: string, role: RelationRole): void {
    const effectiveRole = READ_SLOTS.has(`${type}.${field}`) ? 'read' : role;
    this.visitValue(body[field], effectiveRole, type, field);
  }

  private visitValue(value: unknown, role: RelationRole, parentType: string, field: string): void {
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) this.visitValue(item, role, parentType, field);
      return;
    }
    const bareType = BARE_STRUCT_FIELDS[parentType]?.[field];
    if (bareType !== undefined) {
      this.visitNode(bareType, value, { role, top: false });
      return;
    }
    const keys = Object.keys(value);
    const first = keys[0];
    // protobuf writes a NULL node pointer inside a list as {}.
    if (first === undefined) return;
    const isWrapper = keys.length === 1 && first.charAt(0) >= 'A' && first.charAt(0) <= 'Z';
    if (!isWrapper) {
      this.analysis.raise('unknown', `unexpected parse-tree shape under ${parentType}.${field}`);
      return;
    }
    this.visitNode(first, (value as AstRecord)[first], { role, top: false });
  }

  /**
   * Walk a statement that may carry a WITH clause. CTE names shadow relations of the same unqualified
   * name, but only where PostgreSQL makes them visible: in the statement body, in later sibling CTEs,
   * and (WITH RECURSIVE) in every CTE of the list. `WITH t AS (SELECT * FROM t)` reads the real table t.
   */
  withCteScope(withClause: unknown, walkBody: () => void): void {
    if (!isRecord(withClause)) {
      walkBody();
      return;
    }
    const ctes = asArray(withClause.ctes);
    const recursive = withClause.recursive === true;
    const names = ctes.map((cte) => (isRecord(cte) && isRecord(cte.CommonTableExpr) ? cte.CommonTableExpr.ctename : undefined));
    const scope = new Set<string>();
    if (recursive) for (const name of names) if (typeof name === 'string') scope.add(name);
    this.cteScopes.push(scope);
    try {
      ctes.forEach((cte, index) => {
        this.visitValue(cte, 'read', 'WithClause', 'ctes');
        const name = names[index];
        if (typeof name === 'string') scope.add(name);
      });
      this.visitFields('WithClause', withClause, 'read', ['ctes']);
      walkBody();
    } finally {
      this.cteScopes.pop();
    }
  }

  private isCteName(name: string): boolean {
    return this.cteScopes.some((scope) => scope.has(name));
  }

  private relation(body: AstRecord, role: RelationRole): void {
    const name = body.relname;
    const schema = typeof body.schemaname === 'string' ? body.schemaname : null;
    if (typeof name !== 'string' || name === '') {
      this.analysis.raise('unknown', 'relation reference without a name');
      return;
    }
    // Targets of INSERT/UPDATE/DELETE/MERGE are never CTEs, so only read references can name one.
    if (role === 'read' && schema === null && this.isCteName(name)) return;
    (role === 'write' ? this.analysis.relationsWritten : this.analysis.relationsRead).add({ schema, name });
    this.visitFields('RangeVar', body, role);
  }

  private functionCall(body: AstRecord, role: RelationRole): void {
    const parts = stringList(body.funcname);
    const name = parts?.at(-1);
    if (parts === null || name === undefined || parts.length > 3) {
      this.analysis.raise('unknown', 'function call with an unreadable name');
    } else {
      const schema = parts.length >= 2 ? (parts.at(-2) ?? null) : null;
      this.analysis.functions.add(parts.join('.'));
      const verdict = judgeFunction(schema, name, asArray(body.args), this.env.functionVolatility);
      // Harmless calls are listed in `functions`; only calls that raise the class need a reason.
      if (verdict.class !== 'read') this.analysis.raise(verdict.class, verdict.reason);
      if (verdict.effect !== undefined) this.analysis.effects.push(verdict.effect);
    }
    this.visitFields('FuncCall', body, role, ['funcname']);
  }

  private operator(body: AstRecord, role: RelationRole): void {
    // OPERATOR(schema.op) names an operator explicitly; outside pg_catalog it is a user function.
    const parts = stringList(body.name);
    const name = parts?.at(-1);
    if (parts === null || name === undefined) {
      this.analysis.raise('unknown', 'operator with an unreadable name');
    } else if ((parts.length > 1 && parts[0] !== 'pg_catalog') || !BUILTIN_OPERATORS.has(name)) {
      this.analysis.raise('unknown', `operator ${parts.join('.')} is not a built-in`);
    }
    this.visitFields('A_Expr', body, role, ['name']);
  }

  private samplingMethod(body: AstRecord): void {
    const parts = stringList(body.method);
    const name = parts?.at(-1);
    const builtin = parts !== null && name !== undefined && (parts.length === 1 || parts[0] === 'pg_catalog');
    if (!builtin || !BUILTIN_SAMPLING_METHODS.has(name)) {
      this.analysis.raise('unknown', `TABLESAMPLE method ${parts?.join('.') ?? '?'} is not a built-in`);
    }
  }
}

function lockStrengthText(strength: unknown): string {
  switch (strength) {
    case 'LCS_FORKEYSHARE':
      return 'FOR KEY SHARE';
    case 'LCS_FORSHARE':
      return 'FOR SHARE';
    case 'LCS_FORNOKEYUPDATE':
      return 'FOR NO KEY UPDATE';
    case 'LCS_FORUPDATE':
      return 'FOR UPDATE';
    default:
      return 'FOR <lock>';
  }
}
