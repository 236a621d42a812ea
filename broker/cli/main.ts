import { Command, CommanderError } from 'commander';

type Registrar = (program: Command) => void;

/**
 * Each command family's registrar, imported only when that family runs (all of them for help or
 * an unknown word). `proxy pg` is a long-lived data path: every module it loads without using
 * (ssh2, the server client, the API contracts' zod schemas) stays in its heap, and a larger heap
 * made V8 run several full collections per 100 MB streamed (see README, benchmarks).
 */
const FAMILIES: Record<string, (subcommand: string | undefined) => Promise<Registrar[]>> = {
  proxy: async (sub) => {
    const pg = (await import('./proxy-command.ts')).registerProxyCommands;
    if (sub === 'pg') return [pg];
    const { registerSshProxyCommand } = await import('./ssh-proxy-command.ts');
    return [pg, (program) => withSubgroup(program, 'proxy', registerSshProxyCommand)];
  },
  'ssh-config': async () => [(await import('./ssh-config-command.ts')).registerSshConfigCommand],
  policy: async () => [(await import('./policy-command.ts')).registerPolicyCommands],
  login: async () => [(await import('./login-command.ts')).registerLoginCommands],
  connect: async () => [(await import('./connect-command.ts')).registerConnectCommand],
  audit: async () => {
    const { registerAuditCommands } = await import('./audit-command.ts');
    const { registerAuditServerCommands } = await import('./audit-server-commands.ts');
    return [registerAuditCommands, (program) => withSubgroup(program, 'audit', registerAuditServerCommands)];
  },
  approvals: async () => [(await import('./approvals-command.ts')).registerApprovalsCommands],
  sessions: async () => [(await import('./sessions-command.ts')).registerSessionsCommands],
  ui: async () => [(await import('./ui-command.ts')).registerUiCommand],
};

/** Command words registered by another word's family. */
const FAMILY_OF: Record<string, string> = { logout: 'login' };

function withSubgroup(program: Command, group: string, register: (parent: Command) => void): void {
  const parent = program.commands.find((c) => c.name() === group);
  if (parent !== undefined) register(parent);
}

/** The command word and the one after it, skipping options before them. */
function commandWords(argv: readonly string[]): [string | undefined, string | undefined] {
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  return [words[0], words[1]];
}

/**
 * The `gatehouse` command line. With argv, only the family that argv names is registered (the
 * others are never imported); without argv, or for a word no family owns, every family is.
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command()
    .name('gatehouse')
    .description('Gatehouse: an access broker that enforces policy, approvals, masking and audit on PostgreSQL and SSH sessions')
    .showHelpAfterError()
    .exitOverride();
  const [word, sub] = argv === undefined ? [undefined, undefined] : commandWords(argv);
  const family = word === undefined ? undefined : ownEntry(FAMILIES, ownEntry(FAMILY_OF, word) ?? word);
  const registrars = family !== undefined ? await family(sub) : (await Promise.all(Object.values(FAMILIES).map((f) => f(undefined)))).flat();
  for (const register of registrars) register(program);
  return program;
}

/** table[key] for the table's own keys only: a word such as `constructor` is an unknown command. */
function ownEntry<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Runs a program built by buildProgram (plus any commands added to it, e.g. by the bin). */
export async function runProgram(program: Command, argv: string[]): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) process.exit(e.exitCode);
    process.stderr.write(`gatehouse: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

export async function runCli(argv: string[]): Promise<void> {
  await runProgram(await buildProgram(argv), argv);
}
