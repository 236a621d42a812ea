/** A table as `connections.schema` lists it. */
export interface SchemaTable {
  schema: string;
  name: string;
  columns: readonly string[];
}

/**
 * The editor's completion namespace: `{ schema: { table: [columns] } }`, which lets the SQL
 * language complete `schema.table`, `table.column` and, for the default schema, bare table names.
 */
export function completionNamespace(tables: readonly SchemaTable[]): Record<string, Record<string, string[]>> {
  const namespace: Record<string, Record<string, string[]>> = {};
  for (const table of tables) {
    const bySchema = (namespace[table.schema] ??= {});
    bySchema[table.name] = [...new Set(table.columns)];
  }
  return namespace;
}
