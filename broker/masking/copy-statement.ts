import { pgQuery } from '../../shared/sql/pg-query-module.ts';
import { defaultCopyFormat, type CopyFormat } from './copy-masker.ts';

export interface CopyExportShape {
  /** A SELECT returning the same columns as the COPY, for tracing them to their tables. */
  describeSql: string;
  format: CopyFormat | 'binary';
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

type Node = Record<string, unknown>;

function stringValue(node: unknown): string | null {
  const s = (node as Node | undefined)?.['String'] as { sval?: string } | undefined;
  return s?.sval ?? null;
}

/**
 * For a `COPY ... TO STDOUT` statement, the query whose columns it streams and the data format,
 * read from the parse tree. Returns null for anything else. The inner query of COPY (query) is
 * cut from the text at the parenthesis tokens the real scanner reports.
 */
export function copyExportShape(sql: string): CopyExportShape | null {
  const tree = pgQuery().parseSync(sql);
  const stmt = tree.stmts?.[0]?.stmt as Node | undefined;
  const copy = stmt?.['CopyStmt'] as Node | undefined;
  if (copy === undefined || copy['is_from'] === true) return null;
  // The format's defaults first, then the options given, whatever their order: `(delimiter ';',
  // format csv)` keeps its semicolon.
  const opts = (copy['options'] as Node[] | undefined) ?? [];
  const defs = opts.map((o) => o['DefElem'] as { defname: string; arg?: unknown } | undefined).filter((d) => d !== undefined);
  const formatName = defs.filter((d) => d.defname === 'format').map((d) => stringValue(d.arg)).pop() ?? 'text';
  const binary = formatName === 'binary';
  const format: CopyFormat = defaultCopyFormat(formatName === 'csv' ? 'csv' : 'text');
  for (const def of defs) {
    const value = stringValue(def.arg);
    switch (def.defname) {
      case 'header': {
        // HEADER alone means true; a Boolean node omits boolval when false.
        const arg = def.arg as Node | undefined;
        if (arg === undefined) format.header = true;
        else if (arg['Boolean'] !== undefined) format.header = (arg['Boolean'] as { boolval?: boolean }).boolval === true;
        else if (arg['Integer'] !== undefined) format.header = (arg['Integer'] as { ival?: number }).ival === 1;
        else format.header = value !== null && !['false', 'off', '0'].includes(value.toLowerCase());
        break;
      }
      case 'delimiter':
        if (value !== null) format.delimiter = value;
        break;
      case 'null':
        if (value !== null) format.nullString = value;
        break;
      case 'quote':
        if (value !== null) format.quote = value;
        break;
      case 'escape':
        if (value !== null) format.escape = value;
        break;
      default:
        break;
    }
  }
  // As in PostgreSQL, the escape character defaults to the quote character.
  if (!defs.some((d) => d.defname === 'escape')) format.escape = format.quote;
  let describeSql: string;
  const relation = copy['relation'] as { schemaname?: string; relname?: string } | undefined;
  if (relation?.relname !== undefined) {
    const cols = ((copy['attlist'] as unknown[] | undefined) ?? []).map(stringValue).filter((c): c is string => c !== null);
    const target = cols.length === 0 ? '*' : cols.map(quoteIdent).join(', ');
    const rel = (relation.schemaname === undefined ? '' : `${quoteIdent(relation.schemaname)}.`) + quoteIdent(relation.relname);
    describeSql = `SELECT ${target} FROM ${rel}`;
  } else {
    const bytes = Buffer.from(sql, 'utf8');
    const tokens = pgQuery().scanSync(sql).tokens;
    const open = tokens.findIndex((t) => t.text === '(');
    if (open < 0) return null;
    let depth = 0;
    let close = -1;
    for (let i = open; i < tokens.length; i++) {
      if (tokens[i]!.text === '(') depth++;
      else if (tokens[i]!.text === ')') {
        depth--;
        if (depth === 0) {
          close = i;
          break;
        }
      }
    }
    if (close < 0) return null;
    describeSql = bytes.subarray(tokens[open]!.end, tokens[close]!.start).toString('utf8');
  }
  return { describeSql, format: binary ? 'binary' : format };
}
