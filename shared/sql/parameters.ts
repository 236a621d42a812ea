import type { StatementClass } from './statement-class.ts';

// Which run-time parameters a session may change without approval. Anything not proven harmless is
// dangerous: a parameter can change how the server reads text (standard_conforming_strings,
// client_encoding), who the session is (role), or switch off a guard the proxy relies on.

/** What a statement sets a parameter to. */
export type ParameterValue =
  | { kind: 'list'; items: readonly string[] } // SET name = a, b, c (constants as written)
  | { kind: 'text'; text: string } //            set_config(name, 'a, b', ...)
  | { kind: 'default' } //                       SET name TO DEFAULT, RESET name, SET name FROM CURRENT
  | { kind: 'computed' }; //                     set_config(name, <expression>, ...)

export interface ParameterVerdict {
  class: StatementClass;
  reason: string;
}

const ROLE_PARAMETERS = new Set(['role', 'session_authorization']);

// Changing any of these, to any value, removes a guard or changes how the proxy must read SQL text.
const GUARD_PARAMETERS = new Set([
  'default_transaction_read_only',
  'transaction_read_only',
  'session_replication_role',
  'standard_conforming_strings',
  'allow_system_table_mods',
  'lo_compat_privileges',
  'row_security_active', // not settable today; listed so a future GUC of that name is not waved through
  'local_preload_libraries',
  'session_preload_libraries',
  'dynamic_library_path',
  'zero_damaged_pages',
  'ignore_system_indexes',
  'ignore_checksum_failure',
  'ignore_invalid_pages',
  'log_statement',
  'log_min_duration_statement',
  'log_min_messages',
  'log_min_error_statement',
  'log_duration',
  'log_parameter_max_length',
  'log_parameter_max_length_on_error',
  'log_statement_sample_rate',
  'log_transaction_sample_rate',
  'log_replication_commands',
]);

// Settings that only shape output, planning, timeouts or resource use for this session.
const HARMLESS_PARAMETERS = new Set([
  'application_name',
  'array_nulls',
  'backslash_quote',
  'bytea_output',
  'check_function_bodies',
  'client_min_messages',
  'commit_delay',
  'commit_siblings',
  'constraint_exclusion',
  'cpu_index_tuple_cost',
  'cpu_operator_cost',
  'cpu_tuple_cost',
  'cursor_tuple_fraction',
  'datestyle',
  'deadlock_timeout',
  'debug_parallel_query',
  'default_statistics_target',
  'default_table_access_method',
  'default_tablespace',
  'default_text_search_config',
  'default_toast_compression',
  'default_transaction_deferrable',
  'default_transaction_isolation',
  'effective_cache_size',
  'effective_io_concurrency',
  'enable_async_append',
  'enable_bitmapscan',
  'enable_distinct_reordering',
  'enable_gathermerge',
  'enable_group_by_reordering',
  'enable_hashagg',
  'enable_hashjoin',
  'enable_incremental_sort',
  'enable_indexonlyscan',
  'enable_indexscan',
  'enable_material',
  'enable_memoize',
  'enable_mergejoin',
  'enable_nestloop',
  'enable_parallel_append',
  'enable_parallel_hash',
  'enable_partition_pruning',
  'enable_partitionwise_aggregate',
  'enable_partitionwise_join',
  'enable_presorted_aggregate',
  'enable_self_join_elimination',
  'enable_seqscan',
  'enable_sort',
  'enable_tidscan',
  'escape_string_warning',
  'exit_on_error',
  'extra_float_digits',
  'from_collapse_limit',
  'geqo',
  'geqo_effort',
  'geqo_generations',
  'geqo_pool_size',
  'geqo_seed',
  'geqo_selection_bias',
  'geqo_threshold',
  'gin_fuzzy_search_limit',
  'gin_pending_list_limit',
  'hash_mem_multiplier',
  'idle_in_transaction_session_timeout',
  'idle_session_timeout',
  'intervalstyle',
  'jit',
  'jit_above_cost',
  'jit_inline_above_cost',
  'jit_optimize_above_cost',
  'join_collapse_limit',
  'lc_messages',
  'lc_monetary',
  'lc_numeric',
  'lc_time',
  'lock_timeout',
  'maintenance_io_concurrency',
  'maintenance_work_mem',
  'max_parallel_maintenance_workers',
  'max_parallel_workers',
  'max_parallel_workers_per_gather',
  'min_parallel_index_scan_size',
  'min_parallel_table_scan_size',
  'parallel_leader_participation',
  'parallel_setup_cost',
  'parallel_tuple_cost',
  'plan_cache_mode',
  'quote_all_identifiers',
  'random_page_cost',
  'recursive_worktable_factor',
  'row_security',
  'search_path',
  'seq_page_cost',
  'statement_timeout',
  'synchronize_seqscans',
  'synchronous_commit',
  'tcp_keepalives_count',
  'tcp_keepalives_idle',
  'tcp_keepalives_interval',
  'tcp_user_timeout',
  'temp_buffers',
  'temp_tablespaces',
  'timezone',
  'trace_sort',
  'transaction_deferrable',
  'transaction_isolation',
  'transaction_timeout',
  'transform_null_equals',
  'vacuum_cost_delay',
  'vacuum_cost_limit',
  'vacuum_cost_page_dirty',
  'vacuum_cost_page_hit',
  'vacuum_cost_page_miss',
  'vacuum_freeze_min_age',
  'vacuum_freeze_table_age',
  'vacuum_multixact_freeze_min_age',
  'vacuum_multixact_freeze_table_age',
  'work_mem',
  'xmlbinary',
  'xmloption',
]);

// Placeholder parameters (`app.user_id`) are inert unless an extension reads them. These prefixes
// belong to extensions whose settings are guards (auditing, anonymisation, label security, role switching).
const GUARD_EXTENSION_PREFIXES = ['pgaudit.', 'anon.', 'sepgsql.', 'set_user.', 'pgsodium.', 'pg_stat_statements.', 'auto_explain.'];

// The proxy decodes SQL text as UTF-8. In client-only encodings (SJIS, BIG5, GBK, ...) a multibyte
// character can end in the byte of `\` or `'`, so the server would tokenize the text differently.
const SAFE_CLIENT_ENCODINGS = new Set(['utf8', 'unicode']);

/** PostgreSQL matches encoding names ignoring case and non-alphanumerics ('UTF-8' is 'utf8'). */
function cleanEncodingName(name: string): string {
  let cleaned = '';
  for (const ch of name.toLowerCase()) if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) cleaned += ch;
  return cleaned;
}

/**
 * True when unqualified names still resolve in pg_catalog first: pg_catalog is not listed (then it is
 * searched implicitly before everything) or is listed first. Otherwise a user function named like an
 * allowlisted built-in could shadow it.
 */
export function searchPathKeepsCatalogFirst(value: ParameterValue): boolean {
  switch (value.kind) {
    case 'default':
      return true;
    case 'computed':
      return false;
    case 'list': {
      const index = value.items.indexOf('pg_catalog');
      return index <= 0;
    }
    case 'text': {
      // A set_config() value is a comma-separated identifier list we deliberately do not tokenize:
      // accept only the two unambiguous cases and call everything else unproven.
      const text = value.text.trim().toLowerCase();
      if (!text.includes('pg_catalog')) return true;
      const after = text.charAt('pg_catalog'.length);
      return text.startsWith('pg_catalog') && (after === '' || after === ',' || after === ' ');
    }
    default:
      return value satisfies never;
  }
}

function clientEncodingVerdict(value: ParameterValue): ParameterVerdict {
  switch (value.kind) {
    case 'list':
      if (value.items.length === 1 && SAFE_CLIENT_ENCODINGS.has(cleanEncodingName(value.items[0] ?? ''))) {
        return { class: 'control', reason: 'sets client_encoding to UTF8' };
      }
      return { class: 'dangerous', reason: 'client_encoding other than UTF8 changes how the server tokenizes SQL text' };
    case 'text':
      if (SAFE_CLIENT_ENCODINGS.has(cleanEncodingName(value.text))) return { class: 'control', reason: 'sets client_encoding to UTF8' };
      return { class: 'dangerous', reason: 'client_encoding other than UTF8 changes how the server tokenizes SQL text' };
    case 'default':
      return { class: 'unknown', reason: 'resetting client_encoding restores a server-side default the proxy cannot see' };
    case 'computed':
      return { class: 'dangerous', reason: 'client_encoding set to a computed value' };
    default:
      return value satisfies never;
  }
}

/** Judge a change of run-time parameter `name` (any case; PostgreSQL matches parameter names case-insensitively). */
export function judgeParameterChange(rawName: string, value: ParameterValue): ParameterVerdict {
  const name = rawName.toLowerCase();
  if (ROLE_PARAMETERS.has(name)) return { class: 'dangerous', reason: `changes the session role (${name})` };
  if (GUARD_PARAMETERS.has(name)) return { class: 'dangerous', reason: `changes guard parameter ${name}` };
  if (name === 'client_encoding') return clientEncodingVerdict(value);
  if (name === 'search_path') {
    if (searchPathKeepsCatalogFirst(value)) return { class: 'control', reason: 'sets search_path (session effect)' };
    return { class: 'unknown', reason: 'search_path puts pg_catalog after another schema (or is computed), so built-in function names may resolve to user functions' };
  }
  if (HARMLESS_PARAMETERS.has(name)) return { class: 'control', reason: `sets harmless parameter ${name}` };
  if (name.includes('.')) {
    if (GUARD_EXTENSION_PREFIXES.some((prefix) => name.startsWith(prefix))) {
      return { class: 'dangerous', reason: `changes security extension setting ${name}` };
    }
    return { class: 'control', reason: `sets placeholder parameter ${name}` };
  }
  return { class: 'dangerous', reason: `parameter ${name} is not on the list of harmless settings` };
}
