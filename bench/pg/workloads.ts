/** Name of the streamed table; the policy of "gatehouse+policy" may mask its columns. */
export const STREAM_TABLE = 'bench_rows';

export type Workload =
  | { kind: 'pgbench'; id: string; title: string; unit: 'tps'; pgbenchArgs: string[]; usesPreparedStatements: boolean; resetsTpcbTables: boolean }
  | { kind: 'stream'; id: string; title: string; unit: 'MB/s'; psqlArgs: string[] };

/** Every run of the bench, in the order each round performs them. */
export const WORKLOADS: readonly Workload[] = [
  { kind: 'pgbench', id: 'pgbench-select-c1', title: '-S -c1', unit: 'tps', pgbenchArgs: ['-S', '-c', '1'], usesPreparedStatements: false, resetsTpcbTables: false },
  { kind: 'pgbench', id: 'pgbench-select-c8', title: '-S -c8', unit: 'tps', pgbenchArgs: ['-S', '-c', '8'], usesPreparedStatements: false, resetsTpcbTables: false },
  {
    // What drivers send by default for a query with parameters: Parse, Bind, Execute, Sync each time.
    kind: 'pgbench',
    id: 'pgbench-extended-select-c8',
    title: '-M extended -S -c8',
    unit: 'tps',
    pgbenchArgs: ['-M', 'extended', '-S', '-c', '8'],
    usesPreparedStatements: false,
    resetsTpcbTables: false,
  },
  {
    kind: 'pgbench',
    id: 'pgbench-prepared-select-c8',
    title: '-M prepared -S -c8',
    unit: 'tps',
    pgbenchArgs: ['-M', 'prepared', '-S', '-c', '8'],
    usesPreparedStatements: true,
    resetsTpcbTables: false,
  },
  { kind: 'pgbench', id: 'pgbench-tpcb-c8', title: 'TPC-B -c8', unit: 'tps', pgbenchArgs: ['-c', '8'], usesPreparedStatements: false, resetsTpcbTables: true },
  { kind: 'stream', id: 'stream-select', title: 'SELECT *', unit: 'MB/s', psqlArgs: ['-A', '-t', '-c', `select * from ${STREAM_TABLE}`] },
  { kind: 'stream', id: 'stream-copy', title: 'COPY TO STDOUT', unit: 'MB/s', psqlArgs: ['-c', `COPY ${STREAM_TABLE} TO STDOUT`] },
];

/**
 * Stream cycles per round, each running every configuration once. A stream lasts about a
 * second, so one noisy moment of this shared machine can decide a sample: the median needs many.
 */
export const STREAM_CYCLES_PER_ROUND = 5;
