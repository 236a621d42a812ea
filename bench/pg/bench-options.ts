import type { ClusterSslMode } from '../../test/support/postgres-cluster.ts';
import { splitShellWords } from '../support/shell-words.ts';

export interface BenchOptions {
  /** Duration of each pgbench run. */
  seconds: number;
  /** How many times every configuration runs every workload; medians are reported. */
  rounds: number;
  /** Arguments given to the plain "gatehouse" configuration besides --upstream. */
  gatehouseArgs: string[];
  /** TLS of the direct connection; "require" gives every path one TLS leg, to the server. */
  directSslMode: ClusterSslMode;
}

export const USAGE = `usage: npm run bench:pg -- [--seconds N] [--rounds N] [--gatehouse-args "<args>"]
  --seconds N          duration of each pgbench run (default 10)
  --rounds N           rounds of A/B/C alternation; the median is reported (default 3)
  --gatehouse-args S   extra arguments of the "gatehouse" configuration (default "--allow-all")
  --direct-sslmode M   sslmode of the direct connection: require (default), disable, verify-ca, verify-full`;

const DEFAULTS: BenchOptions = { seconds: 10, rounds: 3, gatehouseArgs: ['--allow-all'], directSslMode: 'require' };
const SSL_MODES: readonly ClusterSslMode[] = ['disable', 'require', 'verify-ca', 'verify-full'];

function sslMode(text: string): ClusterSslMode {
  const mode = SSL_MODES.find((m) => m === text);
  if (mode === undefined) throw new Error(`--direct-sslmode must be one of ${SSL_MODES.join(', ')} (got "${text}")`);
  return mode;
}

function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} needs a positive integer (got "${text}")`);
  return value;
}

/**
 * Hand-parsed because the value of --gatehouse-args itself starts with "--", which generic
 * parsers reject as ambiguous.
 */
export function parseBenchOptions(argv: readonly string[]): BenchOptions | 'help' {
  const options: BenchOptions = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return 'help';
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inlineValue = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inlineValue !== undefined) return inlineValue;
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '--seconds':
        options.seconds = positiveInteger(flag, value());
        break;
      case '--rounds':
        options.rounds = positiveInteger(flag, value());
        break;
      case '--gatehouse-args':
        options.gatehouseArgs = splitShellWords(value());
        break;
      case '--direct-sslmode':
        options.directSslMode = sslMode(value());
        break;
      default:
        throw new Error(`unknown argument "${arg}"\n${USAGE}`);
    }
  }
  return options;
}
