import { parseArgs } from 'node:util';

export interface SshBenchOptions {
  /** Rounds of the throughput trio (direct, recording off, recording on); medians are reported. */
  rounds: number;
  /** Bytes `head -c` sends per transfer. */
  bytes: number;
  /** `ssh host true` runs per path; medians are reported. */
  setupSamples: number;
  /** Random points of the /screen?t= measure; 0 skips it. */
  screenPoints: number;
  screenMinutes: number;
  screenMegabytes: number;
  /** Runs the recording-on proxy under `node --cpu-prof`; the profile is kept in the temp directory. */
  profile: boolean;
  /** The log level of the proxy processes. */
  proxyLogLevel: string;
}

export const USAGE = `usage: npm run bench:ssh -- [options]
  --rounds N            throughput rounds; medians are reported (default 3)
  --bytes N             bytes per transfer (default 200000000)
  --setup-samples N     "ssh host true" runs per path (default 20)
  --screen-points N     random points of the /screen?t= measure; 0 skips it (default 200)
  --screen-minutes N    length of the generated recording (default 60)
  --screen-megabytes N  size of its output (default 100)
  --profile             run the recording-on proxy under node --cpu-prof; prints its hot functions
  --proxy-log-level L   log level of the proxy processes (default warn)`;

const DEFAULTS: SshBenchOptions = {
  rounds: 3,
  bytes: 200_000_000,
  setupSamples: 20,
  screenPoints: 200,
  screenMinutes: 60,
  screenMegabytes: 100,
  profile: false,
  proxyLogLevel: 'warn',
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function wholeNumber(flag: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`--${flag} needs a whole number of at least ${min} (got "${text}")\n${USAGE}`);
  return value;
}

export function parseSshBenchOptions(argv: readonly string[]): SshBenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      rounds: { type: 'string' },
      bytes: { type: 'string' },
      'setup-samples': { type: 'string' },
      'screen-points': { type: 'string' },
      'screen-minutes': { type: 'string' },
      'screen-megabytes': { type: 'string' },
      profile: { type: 'boolean' },
      'proxy-log-level': { type: 'string' },
    },
  });
  if (values.help === true) return 'help';
  const logLevel = values['proxy-log-level'] ?? DEFAULTS.proxyLogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`--proxy-log-level must be one of ${LOG_LEVELS.join(', ')}`);
  return {
    rounds: wholeNumber('rounds', values.rounds, DEFAULTS.rounds, 1),
    bytes: wholeNumber('bytes', values.bytes, DEFAULTS.bytes, 1),
    setupSamples: wholeNumber('setup-samples', values['setup-samples'], DEFAULTS.setupSamples, 1),
    screenPoints: wholeNumber('screen-points', values['screen-points'], DEFAULTS.screenPoints, 0),
    screenMinutes: wholeNumber('screen-minutes', values['screen-minutes'], DEFAULTS.screenMinutes, 1),
    screenMegabytes: wholeNumber('screen-megabytes', values['screen-megabytes'], DEFAULTS.screenMegabytes, 1),
    profile: values.profile === true,
    proxyLogLevel: logLevel,
  };
}
