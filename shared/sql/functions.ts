import { constantText } from './ast-values.ts';
import { judgeParameterChange } from './parameters.ts';
import type { SessionEffect } from './classification.ts';
import type { StatementClass } from './statement-class.ts';

// What calling a function can do. Name lists apply only to built-ins, i.e. unqualified names or names
// qualified with pg_catalog: with the default search_path pg_catalog is searched first, and a search_path
// that demotes pg_catalog is itself classified `unknown` (see parameters.ts).

export type Volatility = 'immutable' | 'stable' | 'volatile';
export type FunctionVolatilityLookup = (schema: string | null, name: string) => Volatility | undefined;

export interface FunctionVerdict {
  class: StatementClass;
  reason: string;
  effect?: SessionEffect;
}

// Server files, server processes, server configuration, replication, other databases, and functions
// that run SQL handed to them as a string (which hides the statement from this classifier).
const DANGEROUS_FUNCTIONS = new Set([
  'pg_read_file', 'pg_read_binary_file', 'pg_ls_dir', 'pg_stat_file', 'pg_file_write', 'pg_file_rename',
  'pg_file_unlink', 'pg_file_sync', 'pg_logdir_ls', 'pg_ls_logdir', 'pg_ls_waldir', 'pg_ls_tmpdir',
  'pg_ls_archive_statusdir', 'pg_ls_logicalsnapdir', 'pg_ls_logicalmapdir', 'pg_ls_replslotdir',
  'pg_ls_summariesdir', 'pg_current_logfile', 'lo_import', 'lo_export',
  'pg_terminate_backend', 'pg_cancel_backend', 'pg_reload_conf', 'pg_rotate_logfile', 'pg_promote',
  'pg_switch_wal', 'pg_switch_xlog', 'pg_create_restore_point', 'pg_backup_start', 'pg_backup_stop',
  'pg_start_backup', 'pg_stop_backup', 'pg_wal_replay_pause', 'pg_wal_replay_resume',
  'pg_log_backend_memory_contexts', 'pg_log_standby_snapshot', 'pg_import_system_collations',
  'pg_create_physical_replication_slot', 'pg_create_logical_replication_slot', 'pg_drop_replication_slot',
  'pg_copy_physical_replication_slot', 'pg_copy_logical_replication_slot', 'pg_replication_slot_advance',
  'pg_sync_replication_slots', 'pg_logical_slot_get_changes', 'pg_logical_slot_peek_changes',
  'pg_logical_slot_get_binary_changes', 'pg_logical_slot_peek_binary_changes', 'pg_logical_emit_message',
  'query_to_xml', 'query_to_xmlschema', 'query_to_xml_and_xmlschema', 'ts_stat', 'ts_rewrite',
  'pg_stat_statements_reset', 'pg_wal_replay_wait',
]);
const DANGEROUS_PREFIXES = ['pg_sleep', 'pg_stat_reset', 'pg_replication_origin_', 'pg_file_', 'pg_ls_'];

// Extension functions that reach other servers; dangerous whatever schema the extension lives in.
const DANGEROUS_ANY_SCHEMA_PREFIXES = ['dblink'];

// Read data the relation lists cannot see (the table name is a string argument).
const OPAQUE_READ_FUNCTIONS = new Set([
  'table_to_xml', 'table_to_xmlschema', 'table_to_xml_and_xmlschema', 'schema_to_xml', 'schema_to_xmlschema',
  'schema_to_xml_and_xmlschema', 'database_to_xml', 'database_to_xmlschema', 'database_to_xml_and_xmlschema',
]);

const WRITE_FUNCTIONS = new Set([
  'nextval', 'setval', 'pg_notify',
  'lo_creat', 'lo_create', 'lo_unlink', 'lo_from_bytea', 'lo_put', 'lowrite', 'lo_truncate', 'lo_truncate64',
]);
const WRITE_PREFIXES = ['pg_advisory_', 'pg_try_advisory_'];

const CONTROL_FUNCTIONS = new Set(['setseed']);

// Built-ins that cannot change anything and are immutable or stable in pg_catalog. Used when the
// session's catalog does not answer; a catalog that says "volatile" for one of these names means a
// user function shadows it, and wins.
const HARMLESS_FUNCTIONS = new Set([
  // aggregates and window functions
  'count', 'sum', 'avg', 'min', 'max', 'array_agg', 'string_agg', 'json_agg', 'jsonb_agg', 'json_agg_strict',
  'jsonb_agg_strict', 'json_object_agg', 'jsonb_object_agg', 'json_object_agg_strict', 'jsonb_object_agg_strict',
  'json_object_agg_unique', 'jsonb_object_agg_unique', 'json_object_agg_unique_strict',
  'jsonb_object_agg_unique_strict', 'bool_and', 'bool_or', 'every', 'bit_and', 'bit_or', 'bit_xor', 'stddev',
  'stddev_pop', 'stddev_samp', 'variance', 'var_pop', 'var_samp', 'corr', 'covar_pop', 'covar_samp', 'regr_avgx',
  'regr_avgy', 'regr_count', 'regr_intercept', 'regr_r2', 'regr_slope', 'regr_sxx', 'regr_sxy', 'regr_syy',
  'percentile_cont', 'percentile_disc', 'mode', 'rank', 'dense_rank', 'row_number', 'ntile', 'lag', 'lead',
  'first_value', 'last_value', 'nth_value', 'cume_dist', 'percent_rank', 'xmlagg', 'range_agg',
  'range_intersect_agg', 'any_value',
  // strings
  'lower', 'upper', 'initcap', 'length', 'char_length', 'character_length', 'octet_length', 'bit_length', 'substr',
  'substring', 'position', 'strpos', 'btrim', 'ltrim', 'rtrim', 'lpad', 'rpad', 'replace', 'translate', 'concat',
  'concat_ws', 'format', 'left', 'right', 'repeat', 'reverse', 'split_part', 'string_to_array', 'string_to_table',
  'array_to_string', 'regexp_replace', 'regexp_match', 'regexp_matches', 'regexp_split_to_array',
  'regexp_split_to_table', 'regexp_count', 'regexp_instr', 'regexp_like', 'regexp_substr', 'starts_with', 'md5',
  'sha224', 'sha256', 'sha384', 'sha512', 'encode', 'decode', 'quote_ident', 'quote_literal', 'quote_nullable',
  'to_hex', 'to_bin', 'to_oct', 'ascii', 'chr', 'overlay', 'normalize', 'is_normalized', 'unistr', 'casefold',
  'convert', 'convert_from', 'convert_to', 'to_ascii', 'similar_to_escape', 'like_escape', 'text', 'textlen',
  'get_byte', 'get_bit', 'set_byte', 'set_bit', 'bit_count', 'crc32', 'crc32c', 'pg_collation_for',
  // numbers
  'abs', 'ceil', 'ceiling', 'floor', 'round', 'trunc', 'sign', 'sqrt', 'cbrt', 'power', 'pow', 'exp', 'ln', 'log',
  'log10', 'mod', 'div', 'pi', 'degrees', 'radians', 'sin', 'cos', 'tan', 'cot', 'asin', 'acos', 'atan', 'atan2',
  'sind', 'cosd', 'tand', 'cotd', 'asind', 'acosd', 'atand', 'atan2d', 'sinh', 'cosh', 'tanh', 'asinh', 'acosh',
  'atanh', 'width_bucket', 'gcd', 'lcm', 'factorial', 'scale', 'min_scale', 'trim_scale', 'to_number', 'numeric',
  'int2', 'int4', 'int8', 'float4', 'float8', 'num_nulls', 'num_nonnulls', 'erf', 'erfc',
  'gamma', 'lgamma',
  // date and time
  'now', 'statement_timestamp', 'transaction_timestamp', 'date_trunc',
  'date_part', 'extract', 'age', 'to_char', 'to_date', 'to_timestamp', 'make_date', 'make_time', 'make_timestamp',
  'make_timestamptz', 'make_interval', 'justify_days', 'justify_hours', 'justify_interval', 'isfinite', 'date_bin',
  'date_add', 'date_subtract', 'timezone', 'overlaps', 'date', 'timestamp', 'timestamptz', 'interval', 'time',
  'timetz', 'system_user',
  // json
  'to_json', 'to_jsonb', 'row_to_json', 'array_to_json', 'json_build_object', 'jsonb_build_object',
  'json_build_array', 'jsonb_build_array', 'json_object', 'jsonb_object', 'json_array_length',
  'jsonb_array_length', 'json_each', 'jsonb_each', 'json_each_text', 'jsonb_each_text', 'json_extract_path',
  'jsonb_extract_path', 'json_extract_path_text', 'jsonb_extract_path_text', 'json_object_keys',
  'jsonb_object_keys', 'json_populate_record', 'jsonb_populate_record', 'jsonb_populate_record_valid',
  'json_populate_recordset', 'jsonb_populate_recordset', 'json_to_record', 'jsonb_to_record',
  'json_to_recordset', 'jsonb_to_recordset', 'json_array_elements', 'jsonb_array_elements',
  'json_array_elements_text', 'jsonb_array_elements_text', 'json_typeof', 'jsonb_typeof', 'json_strip_nulls',
  'jsonb_strip_nulls', 'jsonb_set', 'jsonb_set_lax', 'jsonb_insert', 'jsonb_pretty', 'jsonb_path_query',
  'jsonb_path_exists', 'jsonb_path_match', 'jsonb_path_query_array', 'jsonb_path_query_first',
  'jsonb_path_query_tz', 'jsonb_path_exists_tz', 'jsonb_path_match_tz', 'jsonb_path_query_array_tz',
  'jsonb_path_query_first_tz', 'json_scalar', 'json_serialize',
  // arrays and set-returning helpers
  'array_length', 'array_lower', 'array_upper', 'array_ndims', 'array_dims', 'cardinality', 'array_append',
  'array_prepend', 'array_cat', 'array_remove', 'array_replace', 'array_position', 'array_positions',
  'array_fill', 'trim_array', 'array_reverse', 'array_sort', 'unnest',
  'generate_series', 'generate_subscripts',
  // ranges, network, text search, xml, enums
  'isempty', 'lower_inc', 'upper_inc', 'lower_inf', 'upper_inf', 'range_merge', 'int4range', 'int8range',
  'numrange', 'tsrange', 'tstzrange', 'daterange', 'multirange', 'host', 'hostmask', 'inet', 'cidr', 'family',
  'masklen', 'netmask', 'network', 'broadcast', 'abbrev', 'set_masklen', 'inet_same_family', 'inet_merge',
  'to_tsvector', 'to_tsquery', 'plainto_tsquery', 'phraseto_tsquery', 'websearch_to_tsquery', 'ts_rank',
  'ts_rank_cd', 'ts_headline', 'setweight', 'strip', 'numnode', 'querytree', 'tsvector_to_array',
  'array_to_tsvector', 'ts_delete', 'ts_filter', 'get_current_ts_config', 'ts_lexize', 'ts_parse',
  'ts_token_type', 'ts_debug', 'xmlcomment', 'xml_is_well_formed', 'xml_is_well_formed_document',
  'xml_is_well_formed_content', 'xpath', 'xpath_exists', 'enum_first', 'enum_last', 'enum_range',
  // session and catalog information
  'current_database', 'current_schema', 'current_schemas', 'current_setting', 'pg_backend_pid', 'version',
  'inet_server_addr', 'inet_server_port', 'inet_client_addr', 'inet_client_port', 'pg_postmaster_start_time',
  'pg_conf_load_time', 'pg_my_temp_schema', 'pg_is_other_temp_schema', 'pg_table_is_visible',
  'pg_type_is_visible', 'pg_function_is_visible', 'pg_operator_is_visible', 'pg_opclass_is_visible',
  'pg_opfamily_is_visible', 'pg_collation_is_visible', 'pg_conversion_is_visible',
  'pg_statistics_obj_is_visible', 'pg_ts_config_is_visible', 'pg_ts_dict_is_visible',
  'pg_ts_parser_is_visible', 'pg_ts_template_is_visible', 'format_type', 'pg_get_expr', 'pg_get_viewdef',
  'pg_get_indexdef', 'pg_get_constraintdef', 'pg_get_triggerdef', 'pg_get_ruledef', 'pg_get_functiondef',
  'pg_get_function_arguments', 'pg_get_function_identity_arguments', 'pg_get_function_result',
  'pg_get_function_arg_default', 'pg_get_function_sqlbody', 'pg_get_userbyid', 'pg_get_serial_sequence',
  'pg_get_partkeydef', 'pg_get_partition_constraintdef', 'pg_get_statisticsobjdef',
  'pg_get_statisticsobjdef_columns', 'pg_get_statisticsobjdef_expressions', 'pg_get_keywords',
  'pg_get_catalog_foreign_keys', 'pg_encoding_to_char', 'pg_char_to_encoding', 'pg_client_encoding',
  'obj_description', 'col_description', 'shobj_description', 'pg_describe_object', 'pg_identify_object',
  'pg_identify_object_as_address', 'pg_typeof', 'pg_column_size', 'pg_column_compression',
  'pg_column_toast_chunk_id', 'pg_size_pretty', 'pg_size_bytes',
  'pg_relation_filenode', 'pg_tablespace_location', 'has_table_privilege', 'has_column_privilege',
  'has_any_column_privilege', 'has_schema_privilege', 'has_database_privilege', 'has_function_privilege',
  'has_sequence_privilege', 'has_language_privilege', 'has_tablespace_privilege', 'has_type_privilege',
  'has_foreign_data_wrapper_privilege', 'has_server_privilege', 'has_parameter_privilege',
  'has_largeobject_privilege', 'pg_has_role', 'row_security_active', 'pg_wal_lsn_diff',
  'pg_snapshot_xmin', 'pg_snapshot_xmax', 'pg_snapshot_xip', 'txid_snapshot_xmin', 'txid_snapshot_xmax',
  'mxid_age', 'pg_jit_available', 'pg_options_to_table', 'pg_index_column_has_property',
  'pg_indexam_has_property', 'pg_index_has_property', 'pg_input_is_valid', 'pg_input_error_info',
  'to_regclass', 'to_regtype', 'to_regtypemod', 'to_regproc', 'to_regprocedure', 'to_regnamespace', 'to_regrole',
  'to_regoper', 'to_regoperator', 'to_regcollation', 'pg_partition_tree', 'pg_partition_ancestors',
  'pg_partition_root', 'pg_settings_get_flags', 'pg_get_acl', 'acldefault', 'aclexplode', 'makeaclitem',
  'uuid_extract_timestamp', 'uuid_extract_version',
]);

// Volatile built-ins whose only "side effect" is a fresh value or a look at live server state.
const HARMLESS_VOLATILE_FUNCTIONS = new Set([
  'random', 'random_normal', 'clock_timestamp', 'timeofday', 'gen_random_uuid', 'uuidv4', 'uuidv7',
  'array_sample', 'array_shuffle', 'currval', 'lastval', 'pg_sequence_last_value', 'txid_current',
  'txid_current_if_assigned', 'pg_current_xact_id', 'pg_current_xact_id_if_assigned', 'txid_current_snapshot',
  'pg_current_snapshot', 'pg_xact_status', 'txid_status', 'pg_xact_commit_timestamp', 'pg_export_snapshot',
  'pg_cursor', 'pg_prepared_statement', 'pg_prepared_xact', 'pg_lock_status', 'pg_blocking_pids',
  'pg_safe_snapshot_blocking_pids', 'pg_notification_queue_usage', 'pg_listening_channels',
  'pg_trigger_depth', 'pg_is_in_recovery', 'pg_last_wal_receive_lsn', 'pg_last_wal_replay_lsn',
  'pg_current_wal_lsn', 'pg_current_wal_insert_lsn', 'pg_current_wal_flush_lsn',
  'pg_last_xact_replay_timestamp', 'pg_is_wal_replay_paused', 'pg_get_wal_replay_pause_state',
  'pg_database_size', 'pg_relation_size', 'pg_total_relation_size', 'pg_table_size', 'pg_indexes_size',
  'pg_tablespace_size', 'pg_show_all_settings', 'pg_available_extensions', 'pg_available_extension_versions',
  'pg_timezone_names', 'pg_timezone_abbrevs',
]);

function builtinVerdict(name: string, args: readonly unknown[]): FunctionVerdict | null {
  if (DANGEROUS_FUNCTIONS.has(name) || DANGEROUS_PREFIXES.some((prefix) => name.startsWith(prefix))) {
    return { class: 'dangerous', reason: `calls ${name}(), which reaches beyond the database session` };
  }
  if (name === 'set_config') return setConfigVerdict(args);
  if (OPAQUE_READ_FUNCTIONS.has(name)) {
    return { class: 'unknown', reason: `${name}() reads tables named in a string, hidden from relation policy` };
  }
  if (WRITE_FUNCTIONS.has(name) || WRITE_PREFIXES.some((prefix) => name.startsWith(prefix))) {
    return { class: 'write', reason: `calls ${name}(), which changes database state` };
  }
  if (CONTROL_FUNCTIONS.has(name)) return { class: 'control', reason: `calls ${name}(), which changes session state` };
  return null;
}

function setConfigVerdict(args: readonly unknown[]): FunctionVerdict {
  const name = constantText(args[0]);
  if (name === null) return { class: 'dangerous', reason: 'set_config() with a computed parameter name' };
  const valueText = constantText(args[1]);
  const verdict = judgeParameterChange(name, valueText === null ? { kind: 'computed' } : { kind: 'text', text: valueText });
  const local = constantText(args[2]) === 'true';
  return {
    class: verdict.class,
    reason: `set_config(): ${verdict.reason}`,
    // Whether the call runs at all depends on the query (WHERE, LIMIT, errors), so the new value is
    // reported as unknown and the proxy re-reads it from the server.
    effect: { kind: 'set', name: name.toLowerCase(), value: null, local },
  };
}

/**
 * Judge one call of function `schema.name` (schema null when unqualified).
 * Order: built-in name rules (dangerous, write, set_config), then the session's catalog, then the
 * built-in allowlists. The proxy's lookup should answer for the function an unqualified name resolves
 * to, taking the most volatile overload when several could match.
 */
export function judgeFunction(
  schema: string | null,
  name: string,
  args: readonly unknown[],
  volatility: FunctionVolatilityLookup | undefined,
): FunctionVerdict {
  const qualified = schema === null ? name : `${schema}.${name}`;
  if (DANGEROUS_ANY_SCHEMA_PREFIXES.some((prefix) => name.startsWith(prefix))) {
    return { class: 'dangerous', reason: `calls ${qualified}(), which connects to other servers` };
  }
  const builtin = schema === null || schema === 'pg_catalog';
  if (builtin) {
    const verdict = builtinVerdict(name, args);
    if (verdict !== null) return verdict;
  }
  const fromCatalog = volatility?.(schema, name);
  if (fromCatalog === 'immutable' || fromCatalog === 'stable') {
    return { class: 'read', reason: `${qualified}() is ${fromCatalog} in the catalog` };
  }
  if (builtin && HARMLESS_VOLATILE_FUNCTIONS.has(name)) return { class: 'read', reason: `${qualified}() is a harmless built-in` };
  if (builtin && fromCatalog === undefined && HARMLESS_FUNCTIONS.has(name)) {
    return { class: 'read', reason: `${qualified}() is a harmless built-in` };
  }
  if (fromCatalog === 'volatile') return { class: 'unknown', reason: `${qualified}() is volatile and not known to be harmless` };
  return { class: 'unknown', reason: `${qualified}() is not a known function` };
}
