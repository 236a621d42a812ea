import type { Command } from 'commander';
import { formatTable, shortTime, terminalSafe } from './format-table.ts';
import { defaultCliContext, openServerApi, writeJson, type CliContext } from './server-context.ts';

interface CommonFlags {
  server?: string;
  json?: boolean;
}

/** `gatehouse sessions list|kill`: live SSH sessions on the Gatehouse server, and the kill switch. */
export function registerSessionsCommands(program: Command, ctx: CliContext = defaultCliContext()): void {
  const sessions = program.command('sessions').description('live SSH sessions: list them, and end one (auditors and admins)');

  common(sessions.command('list'))
    .description('sessions with a recording in progress (auditors and admins see everyone\'s)')
    .action(async (flags: CommonFlags) => {
      const live = await (await openServerApi(ctx, flags.server)).listLiveSessions();
      if (flags.json === true) return writeJson(ctx, live);
      if (live.length === 0) {
        ctx.out.write('No live sessions.\n');
        return;
      }
      ctx.out.write(
        formatTable(live, [
          { header: 'SESSION', value: (s) => s.sessionId, max: 40 },
          { header: 'USER', value: (s) => `${s.user}${s.userMachine ? ' [machine]' : ''}`, max: 32 },
          { header: 'CONNECTION', value: (s) => s.connection },
          { header: 'HOST', value: (s) => s.host, max: 40 },
          { header: 'STARTED', value: (s) => shortTime(s.startedAt) },
          { header: 'RECORDINGS', value: (s) => String(s.recordings.length) },
        ]),
      );
    });

  common(sessions.command('kill'))
    .description('end a live SSH session now: its broker closes it within a second and tells the person why')
    .argument('<id>', 'the session id (or the id of one of its recordings)')
    .option('--reason <text>', 'why; shown to the person and kept in the audit log')
    .action(async (id: string, flags: CommonFlags & { reason?: string }) => {
      const api = await openServerApi(ctx, flags.server);
      const result = await api.killSession(id, flags.reason === undefined ? {} : { reason: flags.reason });
      if (flags.json === true) return writeJson(ctx, result);
      ctx.out.write(`Killed session ${terminalSafe(result.sessionId)} of ${terminalSafe(result.user)} on ${terminalSafe(result.connection)}: ${terminalSafe(result.reason)}\n`);
    });
}

function common(command: Command): Command {
  return command
    .option('--server <url>', 'the Gatehouse server (default: GATEHOUSE_SERVER, else the last server signed in to)')
    .option('--json', 'print JSON instead of text');
}
