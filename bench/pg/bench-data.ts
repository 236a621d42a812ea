import type { PostgresCluster } from '../../test/support/postgres-cluster.ts';
import { runClientTool } from '../../test/support/psql.ts';
import { STREAM_TABLE } from './workloads.ts';

export const PGBENCH_SCALE = 10;
export const STREAM_ROWS = 1_000_000;

async function psqlOrThrow(cluster: PostgresCluster, sql: string): Promise<string> {
  const result = await cluster.psql(sql);
  if (result.code !== 0) throw new Error(`setup SQL failed: ${result.stderr.trim()}`);
  return result.stdout;
}

/**
 * Creates the pgbench tables and the streamed table once, over a direct connection, owned by
 * the user every configuration connects as. Rows are ~100 bytes of text output each, with
 * columns a masking policy can target (email, full_name).
 */
export async function prepareBenchData(cluster: PostgresCluster, directUrl: string): Promise<void> {
  const init = await runClientTool('pgbench', ['-i', '-q', '-s', String(PGBENCH_SCALE), directUrl], { timeoutMs: 600_000 });
  if (init.code !== 0) throw new Error(`pgbench -i failed: ${init.stderr.trim()}`);
  await psqlOrThrow(
    cluster,
    `create table ${STREAM_TABLE} (
       id bigint primary key,
       email text not null,
       full_name text not null,
       amount numeric(10,2) not null,
       created_at timestamptz not null,
       note text not null
     );
     insert into ${STREAM_TABLE}
       select g, 'user' || g || '@example.com', 'Name ' || substr(md5(g::text), 1, 12), (g % 100000) / 100.0,
              timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second', md5((g * 7)::text)
       from generate_series(1, ${STREAM_ROWS}) g;
     vacuum analyze ${STREAM_TABLE};`,
  );
}

/** What pgbench itself does before a TPC-B run, done directly so that no proxy or policy is involved. */
export async function resetTpcbTables(cluster: PostgresCluster): Promise<void> {
  await psqlOrThrow(cluster, 'vacuum pgbench_branches; vacuum pgbench_tellers; truncate pgbench_history;');
}
