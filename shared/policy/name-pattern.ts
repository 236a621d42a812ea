/**
 * Dotted name patterns used by the policy document. Leading segments that are left out
 * mean "any": `customers` is `*.customers`, `card_number` is `*.*.card_number`.
 */
export interface RelationPattern {
  schema: string;
  name: string;
}

export interface ColumnPattern {
  schema: string;
  table: string;
  column: string;
}

/** `schema.name` or `name`; null when the text has empty or too many segments. */
export function parseRelationPattern(text: string): RelationPattern | null {
  const segments = splitSegments(text, 2);
  if (segments === null) return null;
  const [schema, name] = segments.length === 2 ? segments : ['*', segments[0]];
  return schema !== undefined && name !== undefined ? { schema, name } : null;
}

/** `schema.table.column`, `table.column` or `column`; null when malformed. */
export function parseColumnPattern(text: string): ColumnPattern | null {
  const segments = splitSegments(text, 3);
  if (segments === null) return null;
  const padded = [...Array<string>(3 - segments.length).fill('*'), ...segments];
  const [schema, table, column] = padded;
  return schema !== undefined && table !== undefined && column !== undefined ? { schema, table, column } : null;
}

function splitSegments(text: string, maxSegments: number): string[] | null {
  const segments = text.split('.');
  if (segments.length > maxSegments) return null;
  if (segments.some((segment) => segment.length === 0 || /\s/.test(segment))) return null;
  return segments;
}
