import type { CatalogClient } from '../pg/upstream/catalog-client.ts';

export interface ColumnOrigin {
  schema: string;
  table: string;
  column: string;
}

export interface TableInfo {
  oid: number;
  schema: string;
  table: string;
  /** pg_class.relkind: r table, v view, m materialized view, p partitioned, f foreign, ... */
  kind: string;
  columns: Map<number, string>;
  /** For views: the base columns their definition reads (table OID and column name). */
  dependsOn: { oid: number; column: string }[];
}

/**
 * Resolves the table OIDs of RowDescription to names through the catalog, once per OID for the
 * session. Views are followed to the columns they read, so a view over a sensitive column is
 * masked too, however its columns are named.
 */
export class ColumnCatalog {
  private readonly tables = new Map<number, TableInfo | null>();

  constructor(private readonly catalog: CatalogClient) {}

  /** undefined: never looked up; null: looked up and does not exist. */
  get(oid: number): TableInfo | null | undefined {
    return this.tables.get(oid);
  }

  missing(oids: Iterable<number>): number[] {
    const out = new Set<number>();
    for (const oid of oids) if (oid !== 0 && !this.tables.has(oid)) out.add(oid);
    return [...out];
  }

  /** Loads these OIDs and, transitively, the relations their views read (bounded depth). */
  async load(oids: number[]): Promise<void> {
    let pending = oids.filter((o) => Number.isInteger(o) && o > 0 && !this.tables.has(o));
    for (let depth = 0; depth < 8 && pending.length > 0; depth++) {
      const list = pending.join(',');
      const rows = await this.catalog.query(
        `select c.oid::text, n.nspname, c.relname, c.relkind::text, a.attnum::text, a.attname
           from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
           left join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
          where c.oid in (${list})`,
      );
      for (const oid of pending) this.tables.set(oid, null);
      for (const [oidText, schema, table, kind, attnum, attname] of rows) {
        const oid = Number(oidText);
        let info = this.tables.get(oid);
        if (info === null || info === undefined) {
          info = { oid, schema: schema!, table: table!, kind: kind!, columns: new Map(), dependsOn: [] };
          this.tables.set(oid, info);
        }
        if (attnum !== null && attname !== null) info.columns.set(Number(attnum), attname!);
      }
      const views = pending.filter((o) => {
        const k = this.tables.get(o)?.kind;
        return k === 'v' || k === 'm';
      });
      const next = new Set<number>();
      if (views.length > 0) {
        const deps = await this.catalog.query(
          `select r.ev_class::text, d.refobjid::text, a.attname
             from pg_catalog.pg_rewrite r
             join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_rewrite'::regclass and d.objid = r.oid
                  and d.refclassid = 'pg_catalog.pg_class'::regclass and d.refobjsubid > 0 and d.refobjid <> r.ev_class
             join pg_catalog.pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
            where r.ev_class in (${views.join(',')})`,
        );
        for (const [viewOid, baseOid, column] of deps) {
          const info = this.tables.get(Number(viewOid));
          if (info === null || info === undefined) continue;
          info.dependsOn.push({ oid: Number(baseOid), column: column! });
          if (!this.tables.has(Number(baseOid))) next.add(Number(baseOid));
        }
      }
      pending = [...next];
    }
  }
}
