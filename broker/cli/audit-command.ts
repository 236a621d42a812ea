import type { Command } from 'commander';
import { tailSpool } from '../audit/tail-spool.ts';

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('read the local audit spool');
  audit
    .command('tail')
    .description('print the audit events in a spool directory, oldest first')
    .argument('<dir>', 'audit spool directory')
    .option('-f, --follow', 'keep printing new events as they are written')
    .action(async (dir: string, flags: { follow?: boolean }) => {
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort());
      process.once('SIGTERM', () => controller.abort());
      await tailSpool(dir, { follow: flags.follow === true, out: process.stdout, signal: controller.signal });
    });
}
