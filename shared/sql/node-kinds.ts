// Every parse-node type libpg-query (PostgreSQL 18) can name sorts into exactly one bucket:
// statements (statement-rules.ts), nodes the walker treats specially (walker.ts), nodes that carry no
// effect of their own (here), and nodes only the analyzer/planner builds, which a raw parse tree never
// contains. A node in none of the buckets — a new PostgreSQL feature — makes the statement `unknown`.
// test/unit/sql/node-kinds.test.ts checks the buckets against @pgsql/types.

/** Expression and clause nodes with no effect of their own; the walker simply descends into them. */
export const NEUTRAL_NODES: ReadonlySet<string> = new Set([
  'Integer', 'Float', 'Boolean', 'String', 'BitString', 'List', 'OidList', 'IntList', 'A_Const', 'Alias',
  'BoolExpr', 'SubLink', 'CaseExpr', 'CaseWhen', 'RowExpr', 'CoalesceExpr', 'MinMaxExpr', 'SQLValueFunction',
  'XmlExpr', 'NullTest', 'BooleanTest', 'CurrentOfExpr', 'SetToDefault', 'NamedArgExpr', 'GroupingFunc',
  'MergeSupportFunc', 'JsonFormat', 'JsonReturning', 'JsonValueExpr', 'JsonIsPredicate', 'JsonBehavior',
  'JoinExpr', 'TypeName', 'ColumnRef', 'ParamRef', 'TypeCast', 'CollateClause', 'RoleSpec', 'A_Star',
  'A_Indices', 'A_Indirection', 'A_ArrayExpr', 'ResTarget', 'MultiAssignRef', 'SortBy', 'WindowDef',
  'RangeSubselect', 'RangeFunction', 'RangeTableFunc', 'RangeTableFuncCol', 'ColumnDef', 'TableLikeClause',
  'IndexElem', 'DefElem', 'XmlSerialize', 'PartitionElem', 'PartitionSpec', 'PartitionBoundSpec',
  'PartitionRangeDatum', 'PartitionCmd', 'GroupingSet', 'InferClause', 'OnConflictClause', 'CTESearchClause',
  'CTECycleClause', 'CommonTableExpr', 'MergeWhenClause', 'ReturningOption', 'ReturningClause',
  'TriggerTransition', 'JsonOutput', 'JsonArgument', 'JsonFuncExpr', 'JsonTablePathSpec', 'JsonTable',
  'JsonTableColumn', 'JsonKeyValue', 'JsonParseExpr', 'JsonScalarExpr', 'JsonSerializeExpr',
  'JsonObjectConstructor', 'JsonArrayConstructor', 'JsonArrayQueryConstructor', 'JsonAggConstructor',
  'JsonObjectAgg', 'JsonArrayAgg', 'AlterTableCmd', 'ATAlterConstraint', 'ReplicaIdentityStmt',
  'ObjectWithArgs', 'AccessPriv', 'Constraint', 'CreateOpClassItem', 'FunctionParameter', 'StatsElem',
  'VacuumRelation', 'PublicationTable', 'PublicationObjSpec', 'ReturnStmt',
]);

/** Built only by parse analysis, the rewriter or the planner, or by libpg-query's own wrappers. */
export const NOT_IN_RAW_TREES: ReadonlySet<string> = new Set([
  'ParseResult', 'ScanResult', 'ScanToken', 'SummaryResult', 'Table', 'Function', 'FilterColumn', 'RawStmt',
  'TableFunc', 'Var', 'Param', 'Aggref', 'WindowFunc', 'WindowFuncRunCondition', 'SubscriptingRef',
  'FuncExpr', 'OpExpr', 'DistinctExpr', 'NullIfExpr', 'ScalarArrayOpExpr', 'SubPlan', 'AlternativeSubPlan',
  'FieldSelect', 'FieldStore', 'RelabelType', 'CoerceViaIO', 'ArrayCoerceExpr', 'ConvertRowtypeExpr',
  'CollateExpr', 'CaseTestExpr', 'ArrayExpr', 'RowCompareExpr', 'JsonConstructorExpr', 'JsonExpr',
  'JsonTablePath', 'JsonTablePathScan', 'JsonTableSiblingJoin', 'MergeAction', 'CoerceToDomain',
  'CoerceToDomainValue', 'NextValueExpr', 'InferenceElem', 'ReturningExpr', 'TargetEntry', 'RangeTblRef',
  'FromExpr', 'OnConflictExpr', 'Query', 'RangeTblEntry', 'RTEPermissionInfo', 'RangeTblFunction',
  'TableSampleClause', 'WithCheckOption', 'SortGroupClause', 'WindowClause', 'RowMarkClause',
  'SetOperationStmt', 'InlineCodeBlock', 'CallContext',
  // PL/pgSQL assignment: only produced when parsing in PL/pgSQL mode.
  'PLAssignStmt',
]);
