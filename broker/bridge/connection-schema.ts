import pg from 'pg';

export interface SchemaTable {
  schema: string;
  name: string;
  columns: string[];
}

const SCHEMA_SQL = `select table_schema, table_name, column_name
from information_schema.columns
where table_schema not in ('pg_catalog', 'information_schema') and table_schema not like 'pg\\_toast%'
order by table_schema, table_name, ordinal_position`;

/**
 * Table and column names for the editor's completion, read through the connection's local
 * listener like any other statement (so the policy and the audit see it too), in a session of
 * its own so a tab's transaction is never touched.
 */
export async function loadSchema(listenerUrl: string): Promise<SchemaTable[]> {
  const client = new pg.Client({ connectionString: listenerUrl, application_name: 'gatehouse-app (completion)' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const result = await client.query<[string, string, string]>({ text: SCHEMA_SQL, rowMode: 'array' });
    const tables: SchemaTable[] = [];
    for (const [schema, name, column] of result.rows) {
      const last = tables[tables.length - 1];
      if (last !== undefined && last.schema === schema && last.name === name) last.columns.push(column);
      else tables.push({ schema, name, columns: [column] });
    }
    return tables;
  } finally {
    await client.end().catch(() => undefined);
  }
}
