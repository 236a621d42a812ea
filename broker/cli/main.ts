import { Command, CommanderError } from 'commander';
import { registerProxyCommands } from './proxy-command.ts';
import { registerPolicyCommands } from './policy-command.ts';
import { registerAuditCommands } from './audit-command.ts';

/** The `gatehouse` command line. Each command family registers itself from its own file. */
export async function runCli(argv: string[]): Promise<void> {
  const program = new Command()
    .name('gatehouse')
    .description('Gatehouse: an access broker that enforces policy, approvals, masking and audit on PostgreSQL and SSH sessions')
    .showHelpAfterError()
    .exitOverride();
  registerProxyCommands(program);
  registerPolicyCommands(program);
  registerAuditCommands(program);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) process.exit(e.exitCode);
    process.stderr.write(`gatehouse: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
