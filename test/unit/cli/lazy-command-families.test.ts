import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../broker/cli/main.ts';

function shape(program: Command): Record<string, string[]> {
  return Object.fromEntries(program.commands.map((c) => [c.name(), c.commands.map((sub) => sub.name()).sort()]));
}

const argv = (...words: string[]): string[] => ['node', 'gatehouse', ...words];

describe('the command line registers only the family it runs', () => {
  it('registers every family for help, in help order', async () => {
    const all = shape(await buildProgram());
    expect(Object.keys(all)).toEqual(['proxy', 'ssh-config', 'policy', 'login', 'logout', 'connect', 'audit', 'approvals', 'sessions', 'ui']);
    expect(all['proxy']).toEqual(['pg', 'ssh']);
    expect(all['audit']).toContain('tail');
    expect(all['audit']!.length).toBeGreaterThan(1);
    // An unknown word gets the whole program, so commander can say what is wrong.
    expect(shape(await buildProgram(argv('no-such-command')))).toEqual(all);
    expect(shape(await buildProgram(argv('constructor')))).toEqual(all);
  });

  it('gives each command, run by name, exactly the options and subcommands of the full program', async () => {
    const full = await buildProgram();
    for (const command of full.commands) {
      const alone = await buildProgram(argv(command.name()));
      const same = alone.commands.find((c) => c.name() === command.name());
      expect(same, command.name()).toBeDefined();
      expect(same!.commands.map((c) => c.name()).sort()).toEqual(command.commands.map((c) => c.name()).sort());
      expect(same!.options.map((o) => o.flags)).toEqual(command.options.map((o) => o.flags));
    }
  });

  it('`proxy pg` registers the PostgreSQL proxy alone, even after options', async () => {
    expect(shape(await buildProgram(argv('proxy', 'pg', '--allow-all')))).toEqual({ proxy: ['pg'] });
    expect(shape(await buildProgram(argv('--no-color', 'proxy', 'ssh')))).toEqual({ proxy: ['pg', 'ssh'] });
  });
});
