import { asArray, constantInteger, constantText, isRecord, stringList } from './ast-values.ts';
import { judgeParameterChange } from './parameters.ts';
import type { StatementAnalysis } from './analysis.ts';
import type { AstRecord } from './ast-values.ts';
import type { ParameterValue } from './parameters.ts';
import type { StatementClass } from './statement-class.ts';
import type { StatementClassification } from './classification.ts';
import type { AstWalker, StatementRule } from './walker.ts';

// What each statement node type does, judged by effect. A statement type missing from this table is
// `unknown` (see walker.ts); so is any variant of a known statement these rules do not recognize.

/**
 * A statement whose effect is fixed by its type; relations under it default to `role`. The node type
 * is passed in because visitFields needs it to recognize bare struct fields.
 */
function fixedFor(type: string, cls: StatementClass, reason: string, role: 'read' | 'write' = 'write'): StatementRule {
  return (body, walker) => {
    walker.analysis.raise(cls, reason);
    walker.visitFields(type, body, role);
  };
}

function selectRule(body: AstRecord, walker: AstWalker): void {
  walker.withCteScope(body.withClause, () => walker.visitFields('SelectStmt', body, 'read', ['withClause']));
}

/** INSERT/UPDATE/DELETE/MERGE: the target relation is written, everything else (FROM, USING, subqueries) read. */
function modifyRule(type: string, verb: string): StatementRule {
  return (body, walker) => {
    walker.analysis.raise('write', `${verb} modifies rows`);
    walker.withCteScope(body.withClause, () => {
      walker.visitField(type, body, 'relation', 'write');
      walker.visitFields(type, body, 'read', ['withClause', 'relation']);
    });
  };
}

/** EXPLAIN's options are booleans spelled as PostgreSQL's defGetBoolean accepts them. */
function explainAnalyzes(options: unknown): boolean {
  let analyze = false;
  for (const option of asArray(options)) {
    const defElem = isRecord(option) && isRecord(option.DefElem) ? option.DefElem : null;
    if (defElem === null || defElem.defname !== 'analyze') continue;
    analyze = !definitelyFalse(defElem.arg);
  }
  return analyze;
}

function definitelyFalse(arg: unknown): boolean {
  if (arg === undefined) return false;
  if (isRecord(arg) && isRecord(arg.Integer)) return (arg.Integer.ival ?? 0) === 0;
  if (isRecord(arg) && isRecord(arg.Boolean)) return arg.Boolean.boolval !== true;
  const text = isRecord(arg) && isRecord(arg.String) ? arg.String.sval : undefined;
  return typeof text === 'string' && (text.toLowerCase() === 'false' || text.toLowerCase() === 'off');
}

const explainRule: StatementRule = (body, walker) => {
  if (explainAnalyzes(body.options)) {
    walker.analysis.raise('read', 'EXPLAIN ANALYZE executes the statement');
    walker.visitFields('ExplainStmt', body, 'read');
    return;
  }
  walker.analysis.raise('read', 'EXPLAIN without ANALYZE plans the statement but does not run it');
  const inner = walker.fork();
  inner.visitFields('ExplainStmt', body, 'read');
  walker.analysis.absorbPlannedOnly(inner.analysis, 'explained statement: ');
};

function toClassification(analysis: StatementAnalysis, kind: string, walker: AstWalker): StatementClassification {
  return {
    class: analysis.class,
    kind,
    reasons: analysis.reasons.length > 0 ? [...analysis.reasons] : ['reads only'],
    export: analysis.exports,
    relationsRead: analysis.relationsRead.list(),
    relationsWritten: analysis.relationsWritten.list(),
    functions: [...analysis.functions],
    fingerprint: walker.env.statementFingerprint,
    text: walker.env.statementText,
    effects: [...analysis.effects],
  };
}

const prepareRule: StatementRule = (body, walker, context) => {
  const inner = walker.fork();
  const kind = inner.walkStatement(body.query, false);
  const prepared = toClassification(inner.analysis, kind, walker);
  walker.analysis.absorbExecuted(prepared, 'prepared statement: ');
  walker.visitFields('PrepareStmt', body, 'read', ['query']);
  const name = typeof body.name === 'string' ? body.name : '';
  if (context.top) walker.analysis.effects.push({ kind: 'prepare', name, classification: prepared });
};

const executeRule: StatementRule = (body, walker, context) => {
  const name = typeof body.name === 'string' ? body.name : '';
  const prepared = walker.env.lookupPrepared(name);
  if (prepared === undefined) {
    walker.analysis.raise('unknown', `EXECUTE of prepared statement "${name}", which this session has not prepared`);
  } else {
    walker.analysis.absorbExecuted(prepared, `executes "${name}": `);
    if (context.top) walker.analysis.effects.push(...prepared.effects.filter((effect) => effect.kind === 'set'));
  }
  walker.visitFields('ExecuteStmt', body, 'read');
};

const declareCursorRule: StatementRule = (body, walker, context) => {
  walker.visitFields('DeclareCursorStmt', body, 'read');
  const name = typeof body.portalname === 'string' ? body.portalname : '';
  if (context.top) walker.analysis.effects.push({ kind: 'declare-cursor', name, class: walker.analysis.class });
};

const copyRule: StatementRule = (body, walker) => {
  const isFrom = body.is_from === true;
  const toClient = typeof body.filename !== 'string';
  if (body.is_program === true) {
    walker.analysis.raise('dangerous', `COPY ${isFrom ? 'FROM' : 'TO'} PROGRAM runs a command on the database server`);
  } else if (!toClient) {
    walker.analysis.raise('dangerous', `COPY ${isFrom ? 'FROM' : 'TO'} a server file`);
  }
  if (isFrom) {
    walker.analysis.raise('write', 'COPY FROM loads rows into a table');
    walker.visitField('CopyStmt', body, 'relation', 'write');
  } else {
    if (toClient) {
      walker.analysis.exports = true;
      walker.analysis.raise('read', 'COPY ... TO STDOUT exports rows to the client');
    }
    walker.visitField('CopyStmt', body, 'relation', 'read');
  }
  walker.visitFields('CopyStmt', body, 'read', ['relation']);
};

/** Relation-like objects named in a DROP, reported as written. */
const DROPPED_RELATION_TYPES = new Set(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_SEQUENCE', 'OBJECT_FOREIGN_TABLE', 'OBJECT_INDEX']);

const dropRule: StatementRule = (body, walker) => {
  walker.analysis.raise('ddl', 'DROP removes objects');
  if (typeof body.removeType === 'string' && DROPPED_RELATION_TYPES.has(body.removeType)) {
    for (const object of asArray(body.objects)) {
      const parts = isRecord(object) && isRecord(object.List) ? stringList(object.List.items) : null;
      const name = parts?.at(-1);
      if (parts === null || name === undefined) continue;
      walker.analysis.relationsWritten.add({ schema: parts.length >= 2 ? (parts.at(-2) ?? null) : null, name });
    }
  }
  walker.visitFields('DropStmt', body, 'write');
};

/** CREATE FUNCTION in C or an untrusted language runs arbitrary code on the server as its owner. */
const createFunctionRule: StatementRule = (body, walker) => {
  walker.analysis.raise('ddl', 'CREATE FUNCTION defines code');
  for (const option of asArray(body.options)) {
    const defElem = isRecord(option) && isRecord(option.DefElem) ? option.DefElem : null;
    if (defElem === null || defElem.defname !== 'language') continue;
    const spelled = isRecord(defElem.arg) && isRecord(defElem.arg.String) ? defElem.arg.String.sval : undefined;
    const language = typeof spelled === 'string' ? spelled.toLowerCase() : undefined;
    if (language === undefined || language === 'c' || language === 'internal' || language.endsWith('u')) {
      walker.analysis.raise('dangerous', `function language ${String(language)} runs native or untrusted code on the server`);
    }
  }
  walker.visitFields('CreateFunctionStmt', body, 'write');
};

function setArgsValue(args: unknown): { value: ParameterValue; rendered: string | null } {
  const items: string[] = [];
  for (const arg of asArray(args)) {
    const text = constantText(arg);
    if (text === null) return { value: { kind: 'computed' }, rendered: null };
    items.push(text);
  }
  return { value: { kind: 'list', items }, rendered: items.join(', ') };
}

/** BEGIN/START TRANSACTION/SET TRANSACTION modes: READ WRITE switches off a read-only guard. */
function judgeTransactionModes(options: unknown, walker: AstWalker, statement: string): void {
  for (const option of asArray(options)) {
    const defElem = isRecord(option) && isRecord(option.DefElem) ? option.DefElem : null;
    if (defElem === null) {
      walker.analysis.raise('unknown', `${statement} with an unrecognized option`);
      continue;
    }
    switch (defElem.defname) {
      case 'transaction_read_only':
        if (constantInteger(defElem.arg) !== 1) walker.analysis.raise('dangerous', `${statement} READ WRITE lifts the read-only guard`);
        break;
      case 'transaction_isolation':
      case 'transaction_deferrable':
        break;
      default:
        walker.analysis.raise('unknown', `${statement} with unrecognized mode ${String(defElem.defname)}`);
    }
  }
}

const variableSetRule: StatementRule = (body, walker, context) => {
  const name = typeof body.name === 'string' ? body.name.toLowerCase() : '';
  const local = body.is_local === true;
  switch (body.kind) {
    case 'VAR_RESET_ALL':
      walker.analysis.raise('dangerous', 'RESET ALL resets guard parameters (read-only mode, standard_conforming_strings)');
      if (context.top) walker.analysis.effects.push({ kind: 'reset-all' });
      break;
    case 'VAR_SET_MULTI':
      if (name === 'transaction' || name === 'session characteristics') {
        walker.analysis.raise('control', `SET ${name.toUpperCase()} sets transaction modes`);
        judgeTransactionModes(body.args, walker, `SET ${name.toUpperCase()}`);
      } else if (name === 'transaction snapshot') {
        walker.analysis.raise('control', 'SET TRANSACTION SNAPSHOT imports a snapshot');
      } else {
        walker.analysis.raise('unknown', `unrecognized SET form ${name}`);
      }
      break;
    case 'VAR_SET_VALUE': {
      const { value, rendered } = setArgsValue(body.args);
      const verdict = judgeParameterChange(name, value);
      walker.analysis.raise(verdict.class, verdict.reason);
      if (context.top) walker.analysis.effects.push({ kind: 'set', name, value: rendered, local });
      break;
    }
    case 'VAR_SET_DEFAULT':
    case 'VAR_SET_CURRENT':
    case 'VAR_RESET': {
      const verdict = judgeParameterChange(name, { kind: 'default' });
      walker.analysis.raise(verdict.class, verdict.reason);
      if (context.top) walker.analysis.effects.push({ kind: 'set', name, value: null, local });
      break;
    }
    default:
      walker.analysis.raise('unknown', `unrecognized SET kind ${String(body.kind)}`);
  }
  walker.visitFields('VariableSetStmt', body, 'read');
};

const transactionRule: StatementRule = (body, walker) => {
  switch (body.kind) {
    case 'TRANS_STMT_BEGIN':
    case 'TRANS_STMT_START':
      walker.analysis.raise('control', 'starts a transaction');
      judgeTransactionModes(body.options, walker, 'BEGIN');
      break;
    case 'TRANS_STMT_COMMIT':
    case 'TRANS_STMT_ROLLBACK':
    case 'TRANS_STMT_SAVEPOINT':
    case 'TRANS_STMT_RELEASE':
    case 'TRANS_STMT_ROLLBACK_TO':
    case 'TRANS_STMT_PREPARE':
      walker.analysis.raise('control', 'transaction control');
      break;
    case 'TRANS_STMT_COMMIT_PREPARED':
    case 'TRANS_STMT_ROLLBACK_PREPARED':
      walker.analysis.raise('write', 'finishes a prepared transaction whose changes this session did not classify');
      break;
    default:
      walker.analysis.raise('unknown', `unrecognized transaction statement ${String(body.kind)}`);
  }
  walker.visitFields('TransactionStmt', body, 'read', ['options']);
};

const discardRule: StatementRule = (body, walker, context) => {
  switch (body.target) {
    case 'DISCARD_ALL':
      walker.analysis.raise('dangerous', 'DISCARD ALL resets the session role and every guard parameter');
      if (context.top) {
        walker.analysis.effects.push({ kind: 'deallocate', name: null }, { kind: 'close-cursor', name: null }, { kind: 'reset-all' });
      }
      break;
    case 'DISCARD_PLANS':
    case 'DISCARD_SEQUENCES':
    case 'DISCARD_TEMP':
      walker.analysis.raise('control', 'DISCARD of session caches');
      break;
    default:
      walker.analysis.raise('unknown', `unrecognized DISCARD target ${String(body.target)}`);
  }
};

const deallocateRule: StatementRule = (body, walker, context) => {
  walker.analysis.raise('control', 'DEALLOCATE drops a prepared statement');
  const name = body.isall === true || typeof body.name !== 'string' ? null : body.name;
  if (context.top) walker.analysis.effects.push({ kind: 'deallocate', name });
};

const closeCursorRule: StatementRule = (body, walker, context) => {
  walker.analysis.raise('control', 'CLOSE drops a cursor');
  const name = typeof body.portalname === 'string' ? body.portalname : null;
  if (context.top) walker.analysis.effects.push({ kind: 'close-cursor', name });
};

// Renaming a role is role management (dangerous like CREATE/ALTER ROLE); any other rename is DDL.
const renameRule: StatementRule = (body, walker) => {
  if (body.renameType === 'OBJECT_ROLE') walker.analysis.raise('dangerous', 'renames a role');
  else walker.analysis.raise('ddl', 'RENAME');
  walker.visitFields('RenameStmt', body, 'write');
};

const ddl = (type: string, reason: string): StatementRule => fixedFor(type, 'ddl', reason);
const dangerous = (type: string, reason: string): StatementRule => fixedFor(type, 'dangerous', reason);

export const STATEMENT_RULES: Readonly<Record<string, StatementRule>> = {
  // queries and data changes
  SelectStmt: selectRule,
  InsertStmt: modifyRule('InsertStmt', 'INSERT'),
  UpdateStmt: modifyRule('UpdateStmt', 'UPDATE'),
  DeleteStmt: modifyRule('DeleteStmt', 'DELETE'),
  MergeStmt: modifyRule('MergeStmt', 'MERGE'),
  CopyStmt: copyRule,
  ExplainStmt: explainRule,
  PrepareStmt: prepareRule,
  ExecuteStmt: executeRule,
  DeclareCursorStmt: declareCursorRule,
  FetchStmt: fixedFor('FetchStmt', 'read', 'FETCH/MOVE reads from an open cursor', 'read'),
  LockStmt: fixedFor('LockStmt', 'write', 'LOCK takes table locks'),
  NotifyStmt: fixedFor('NotifyStmt', 'write', 'NOTIFY sends a message to other sessions'),
  VacuumStmt: fixedFor('VacuumStmt', 'write', 'VACUUM/ANALYZE rewrites storage or statistics'),
  RefreshMatViewStmt: fixedFor('RefreshMatViewStmt', 'write', 'REFRESH MATERIALIZED VIEW rewrites its data'),
  TruncateStmt: ddl('TruncateStmt', 'TRUNCATE empties whole tables outside row-level MVCC'),

  // session and transaction control
  TransactionStmt: transactionRule,
  VariableSetStmt: variableSetRule,
  VariableShowStmt: fixedFor('VariableShowStmt', 'control', 'SHOW reads a setting', 'read'),
  ListenStmt: fixedFor('ListenStmt', 'control', 'LISTEN subscribes to notifications', 'read'),
  UnlistenStmt: fixedFor('UnlistenStmt', 'control', 'UNLISTEN drops a subscription', 'read'),
  DeallocateStmt: deallocateRule,
  ClosePortalStmt: closeCursorRule,
  DiscardStmt: discardRule,
  ConstraintsSetStmt: fixedFor('ConstraintsSetStmt', 'control', 'SET CONSTRAINTS changes constraint timing in this transaction', 'read'),

  // escapes from the database session
  DoStmt: dangerous('DoStmt', 'DO runs an anonymous code block the classifier cannot see into'),
  CallStmt: dangerous('CallStmt', 'CALL runs a procedure, which may commit and run anything'),
  AlterSystemStmt: dangerous('AlterSystemStmt', 'ALTER SYSTEM changes server configuration'),
  LoadStmt: dangerous('LoadStmt', 'LOAD loads a shared library into the server'),
  CheckPointStmt: dangerous('CheckPointStmt', 'CHECKPOINT forces server-wide I/O'),
  CreateExtensionStmt: dangerous('CreateExtensionStmt', 'CREATE EXTENSION runs an extension script'),
  AlterExtensionStmt: dangerous('AlterExtensionStmt', 'ALTER EXTENSION runs an extension update script'),
  AlterExtensionContentsStmt: dangerous('AlterExtensionContentsStmt', 'ALTER EXTENSION changes extension membership'),
  CreateRoleStmt: dangerous('CreateRoleStmt', 'creates a role'),
  AlterRoleStmt: dangerous('AlterRoleStmt', 'changes a role'),
  AlterRoleSetStmt: dangerous('AlterRoleSetStmt', 'changes default settings of a role'),
  DropRoleStmt: dangerous('DropRoleStmt', 'drops a role'),
  GrantRoleStmt: dangerous('GrantRoleStmt', 'changes role membership'),
  AlterDatabaseSetStmt: dangerous('AlterDatabaseSetStmt', 'changes default settings of a database'),
  CreateTableSpaceStmt: dangerous('CreateTableSpaceStmt', 'CREATE TABLESPACE points at a server directory'),
  CreateFdwStmt: dangerous('CreateFdwStmt', 'creates a foreign-data wrapper'),
  AlterFdwStmt: dangerous('AlterFdwStmt', 'changes a foreign-data wrapper'),
  CreateForeignServerStmt: dangerous('CreateForeignServerStmt', 'defines a connection to another server'),
  AlterForeignServerStmt: dangerous('AlterForeignServerStmt', 'changes a connection to another server'),
  CreateUserMappingStmt: dangerous('CreateUserMappingStmt', 'stores credentials for another server'),
  AlterUserMappingStmt: dangerous('AlterUserMappingStmt', 'changes credentials for another server'),
  CreateSubscriptionStmt: dangerous('CreateSubscriptionStmt', 'subscribes to replication from another server'),
  AlterSubscriptionStmt: dangerous('AlterSubscriptionStmt', 'changes a replication subscription'),
  CreateEventTrigStmt: dangerous('CreateEventTrigStmt', 'creates an event trigger that runs on every DDL'),
  AlterEventTrigStmt: dangerous('AlterEventTrigStmt', 'changes an event trigger'),
  CreatePLangStmt: dangerous('CreatePLangStmt', 'installs a procedural language'),
  CreateAmStmt: dangerous('CreateAmStmt', 'installs an access method backed by native code'),

  // schema changes
  CreateFunctionStmt: createFunctionRule,
  DropStmt: dropRule,
  CreateStmt: ddl('CreateStmt', 'CREATE TABLE'),
  CreateTableAsStmt: ddl('CreateTableAsStmt', 'CREATE TABLE AS / MATERIALIZED VIEW creates a relation'),
  CreateForeignTableStmt: ddl('CreateForeignTableStmt', 'CREATE FOREIGN TABLE'),
  CreateSchemaStmt: ddl('CreateSchemaStmt', 'CREATE SCHEMA'),
  AlterTableStmt: ddl('AlterTableStmt', 'ALTER TABLE'),
  AlterTableMoveAllStmt: ddl('AlterTableMoveAllStmt', 'ALTER TABLE ALL IN TABLESPACE'),
  AlterCollationStmt: ddl('AlterCollationStmt', 'ALTER COLLATION'),
  AlterDomainStmt: ddl('AlterDomainStmt', 'ALTER DOMAIN'),
  GrantStmt: ddl('GrantStmt', 'GRANT/REVOKE changes privileges'),
  AlterDefaultPrivilegesStmt: ddl('AlterDefaultPrivilegesStmt', 'ALTER DEFAULT PRIVILEGES'),
  DropTableSpaceStmt: ddl('DropTableSpaceStmt', 'DROP TABLESPACE'),
  AlterTableSpaceOptionsStmt: ddl('AlterTableSpaceOptionsStmt', 'ALTER TABLESPACE'),
  DropUserMappingStmt: ddl('DropUserMappingStmt', 'DROP USER MAPPING'),
  ImportForeignSchemaStmt: ddl('ImportForeignSchemaStmt', 'IMPORT FOREIGN SCHEMA'),
  CreatePolicyStmt: ddl('CreatePolicyStmt', 'CREATE POLICY'),
  AlterPolicyStmt: ddl('AlterPolicyStmt', 'ALTER POLICY'),
  CreateTrigStmt: ddl('CreateTrigStmt', 'CREATE TRIGGER'),
  CreateSeqStmt: ddl('CreateSeqStmt', 'CREATE SEQUENCE'),
  AlterSeqStmt: ddl('AlterSeqStmt', 'ALTER SEQUENCE'),
  DefineStmt: ddl('DefineStmt', 'CREATE AGGREGATE/OPERATOR/TYPE/COLLATION/TEXT SEARCH'),
  CreateDomainStmt: ddl('CreateDomainStmt', 'CREATE DOMAIN'),
  CreateOpClassStmt: ddl('CreateOpClassStmt', 'CREATE OPERATOR CLASS'),
  CreateOpFamilyStmt: ddl('CreateOpFamilyStmt', 'CREATE OPERATOR FAMILY'),
  AlterOpFamilyStmt: ddl('AlterOpFamilyStmt', 'ALTER OPERATOR FAMILY'),
  CommentStmt: ddl('CommentStmt', 'COMMENT ON'),
  SecLabelStmt: ddl('SecLabelStmt', 'SECURITY LABEL'),
  IndexStmt: ddl('IndexStmt', 'CREATE INDEX'),
  CreateStatsStmt: ddl('CreateStatsStmt', 'CREATE STATISTICS'),
  AlterStatsStmt: ddl('AlterStatsStmt', 'ALTER STATISTICS'),
  AlterFunctionStmt: ddl('AlterFunctionStmt', 'ALTER FUNCTION'),
  RenameStmt: renameRule,
  AlterObjectDependsStmt: ddl('AlterObjectDependsStmt', 'ALTER ... DEPENDS ON EXTENSION'),
  AlterObjectSchemaStmt: ddl('AlterObjectSchemaStmt', 'ALTER ... SET SCHEMA'),
  AlterOwnerStmt: ddl('AlterOwnerStmt', 'ALTER ... OWNER TO'),
  AlterOperatorStmt: ddl('AlterOperatorStmt', 'ALTER OPERATOR'),
  AlterTypeStmt: ddl('AlterTypeStmt', 'ALTER TYPE'),
  RuleStmt: ddl('RuleStmt', 'CREATE RULE'),
  CompositeTypeStmt: ddl('CompositeTypeStmt', 'CREATE TYPE AS'),
  CreateEnumStmt: ddl('CreateEnumStmt', 'CREATE TYPE AS ENUM'),
  CreateRangeStmt: ddl('CreateRangeStmt', 'CREATE TYPE AS RANGE'),
  AlterEnumStmt: ddl('AlterEnumStmt', 'ALTER TYPE ... VALUE'),
  ViewStmt: ddl('ViewStmt', 'CREATE VIEW'),
  CreatedbStmt: ddl('CreatedbStmt', 'CREATE DATABASE'),
  AlterDatabaseStmt: ddl('AlterDatabaseStmt', 'ALTER DATABASE'),
  AlterDatabaseRefreshCollStmt: ddl('AlterDatabaseRefreshCollStmt', 'ALTER DATABASE REFRESH COLLATION VERSION'),
  DropdbStmt: ddl('DropdbStmt', 'DROP DATABASE'),
  ClusterStmt: ddl('ClusterStmt', 'CLUSTER rewrites a table under an exclusive lock'),
  ReindexStmt: ddl('ReindexStmt', 'REINDEX'),
  AlterTSDictionaryStmt: ddl('AlterTSDictionaryStmt', 'ALTER TEXT SEARCH DICTIONARY'),
  AlterTSConfigurationStmt: ddl('AlterTSConfigurationStmt', 'ALTER TEXT SEARCH CONFIGURATION'),
  CreateConversionStmt: ddl('CreateConversionStmt', 'CREATE CONVERSION'),
  CreateCastStmt: ddl('CreateCastStmt', 'CREATE CAST'),
  CreateTransformStmt: ddl('CreateTransformStmt', 'CREATE TRANSFORM'),
  DropOwnedStmt: ddl('DropOwnedStmt', 'DROP OWNED'),
  ReassignOwnedStmt: ddl('ReassignOwnedStmt', 'REASSIGN OWNED'),
  CreatePublicationStmt: ddl('CreatePublicationStmt', 'CREATE PUBLICATION'),
  AlterPublicationStmt: ddl('AlterPublicationStmt', 'ALTER PUBLICATION'),
  DropSubscriptionStmt: ddl('DropSubscriptionStmt', 'DROP SUBSCRIPTION'),
};
