// Operators are functions too. PostgreSQL's own operator names (and the few spellings the grammar uses
// for BETWEEN) are accepted; any other operator name belongs to a user-defined operator whose function
// we cannot see, so it makes the statement `unknown`. A user-defined overload of a built-in name (an `=`
// on a custom type) is beyond a parser's sight; creating one is DDL and is classified as such.
export const BUILTIN_OPERATORS: ReadonlySet<string> = new Set([
  '=', '<>', '<', '>', '<=', '>=', '+', '-', '*', '/', '%', '^', '|/', '||/', '@', '&', '|', '#', '~', '<<', '>>',
  '||', '~~', '!~~', '~~*', '!~~*', '~*', '!~', '!~*', '@>', '<@', '&&', '&<', '&>', '<<|', '|>>', '&<|', '|&>',
  '<^', '>^', '?#', '?-', '?|', '?-|', '?||', '@@', '@@@', '@-@', '<->', '<<=', '>>=', '##', '~=', '-|-', '->',
  '->>', '#>', '#>>', '#-', '?', '?&', '@?', '^@', '~<~', '~<=~', '~>=~', '~>~', '<#>',
  'BETWEEN', 'NOT BETWEEN', 'BETWEEN SYMMETRIC', 'NOT BETWEEN SYMMETRIC',
  // pg_trgm and pgvector, whose operator functions are immutable C functions.
  '<%', '%>', '<<%', '%>>', '<<->', '<->>', '<<<->', '<->>>', '<=>', '<+>', '<~>', '<%>',
]);
