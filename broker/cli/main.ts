import { Command, CommanderError } from 'commander';
import { registerProxyCommands } from './proxy-command.ts';
import { registerPolicyCommands } from './policy-command.ts';
import { registerAuditCommands } from './audit-command.ts';
import { registerAuditServerCommands } from './audit-server-commands.ts';
import { registerLoginCommands } from './login-command.ts';
import { registerApprovalsCommands } from './approvals-command.ts';
import { registerConnectCommand } from './connect-command.ts';
import { registerSshProxyCommand } from './ssh-proxy-command.ts';
import { registerSshConfigCommand } from './ssh-config-command.ts';
import { registerUiCommand } from './ui-command.ts';
import { registerSessionsCommands } from './sessions-command.ts';

/** The `gatehouse` command line. Each command family registers itself from its own file. */
export function buildProgram(): Command {
  const program = new Command()
    .name('gatehouse')
    .description('Gatehouse: an access broker that enforces policy, approvals, masking and audit on PostgreSQL and SSH sessions')
    .showHelpAfterError()
    .exitOverride();
  registerProxyCommands(program);
  const proxy = program.commands.find((c) => c.name() === 'proxy');
  if (proxy !== undefined) registerSshProxyCommand(proxy);
  registerSshConfigCommand(program);
  registerPolicyCommands(program);
  registerLoginCommands(program);
  registerConnectCommand(program);
  registerAuditCommands(program);
  const audit = program.commands.find((c) => c.name() === 'audit');
  if (audit !== undefined) registerAuditServerCommands(audit);
  registerApprovalsCommands(program);
  registerSessionsCommands(program);
  registerUiCommand(program);
  return program;
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
  await runProgram(buildProgram(), argv);
}
