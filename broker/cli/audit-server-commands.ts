import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { AuditExportFilters, AuditExportFormat } from '../server-client/api-client.ts';
import { formatTable, shortTime } from './format-table.ts';
import { defaultCliContext, openServerApi, writeJson, type CliContext } from './server-context.ts';

interface FilterFlags {
  user?: string;
  connection?: string;
  class?: string;
  decision?: string;
  kind?: string;
  from?: string;
  to?: string;
  text?: string;
}

interface SearchFlags extends FilterFlags {
  server?: string;
  json?: boolean;
  limit: string;
  after?: string;
}

interface ExportFlags extends FilterFlags {
  server?: string;
  format: string;
  output?: string;
}

/**
 * `gatehouse audit search|export|verify`, against the server's hash-chained log. Registered on
 * the `audit` command that `audit tail` (the local spool) already lives on.
 */
export function registerAuditServerCommands(audit: Command, ctx: CliContext = defaultCliContext()): void {
  withFilters(audit.command('search'))
    .description("search the server's audit log, oldest first")
    .option('--server <url>', 'the Gatehouse server (default: GATEHOUSE_SERVER, else the last server signed in to)')
    .option('--limit <n>', 'records per page (1-1000)', '100')
    .option('--after <seq>', 'continue after this sequence number (printed at the end of a page)')
    .option('--json', 'print the page as JSON')
    .action(async (flags: SearchFlags) => {
      const limit = positiveInteger(flags.limit, '--limit');
      const after = flags.after === undefined ? undefined : positiveInteger(flags.after, '--after');
      const api = await openServerApi(ctx, flags.server);
      const page = await api.searchAudit({ ...filtersOf(flags), limit, ...(after === undefined ? {} : { after }) });
      if (flags.json === true) return writeJson(ctx, page);
      if (page.records.length === 0) {
        ctx.out.write('No audit records match.\n');
        return;
      }
      ctx.out.write(
        formatTable(page.records, [
          { header: 'SEQ', value: (r) => String(r.seq) },
          { header: 'TIME', value: (r) => shortTime(r.time) },
          { header: 'ACTOR', value: (r) => `${r.actor}${r.actorMachine ? ' [machine]' : ''}`, max: 32 },
          { header: 'CONNECTION', value: (r) => r.connection ?? '-' },
          { header: 'KIND', value: (r) => r.kind },
          { header: 'CLASS', value: (r) => r.statementClass ?? '-' },
          { header: 'DECISION', value: (r) => r.decision ?? '-' },
          { header: 'TEXT', value: (r) => r.text ?? '', max: 80 },
        ]),
      );
      if (page.nextAfter !== null) ctx.err.write(`More records: add --after ${page.nextAfter}\n`);
    });

  withFilters(audit.command('export'))
    .description("export the server's audit log as evidence, streamed (JSON lines or CSV)")
    .option('--server <url>', 'the Gatehouse server (default: GATEHOUSE_SERVER, else the last server signed in to)')
    .requiredOption('--format <format>', 'jsonl or csv')
    .option('-o, --output <file>', 'write to this file (created 0600) instead of standard output')
    .action(async (flags: ExportFlags) => {
      const format = exportFormat(flags.format);
      const api = await openServerApi(ctx, flags.server);
      const body = await api.exportAudit(format, filtersOf(flags));
      if (flags.output === undefined) {
        await pipeline(body, ctx.out, { end: false });
        return;
      }
      await writeFileAtomically(flags.output, body);
      ctx.err.write(`Exported to ${flags.output}\n`);
    });

  audit
    .command('verify')
    .description("check the server's audit hash chain from the first record to the last")
    .option('--server <url>', 'the Gatehouse server (default: GATEHOUSE_SERVER, else the last server signed in to)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: { server?: string; json?: boolean }) => {
      const result = await (await openServerApi(ctx, flags.server)).verifyAudit();
      // A broken chain is a failure a script must notice.
      if (!result.ok) ctx.setExitCode(1);
      if (flags.json === true) return writeJson(ctx, result);
      if (result.ok) {
        ctx.out.write(`Audit chain intact: ${result.checked} records checked.\n`);
        return;
      }
      const broken = result.firstBroken;
      ctx.out.write(
        `Audit chain BROKEN after ${result.checked} records checked` +
          (broken === null ? '.\n' : `: first bad record seq ${broken.seq} (id ${broken.id}): ${broken.reason}\n`),
      );
    });
}

function withFilters(command: Command): Command {
  return command
    .option('--user <user>', 'who acted (subject or name)')
    .option('--connection <name>', 'connection name')
    .option('--class <class>', 'statement class (read, write, ddl, dangerous, unknown, …)')
    .option('--decision <decision>', 'allow, block, approve or error')
    .option('--kind <kind>', 'record kind (statement, statement_result, session_start, …)')
    .option('--from <time>', 'at or after this time (ISO 8601)')
    .option('--to <time>', 'before this time (ISO 8601)')
    .option('--text <text>', 'statement text contains');
}

function filtersOf(flags: FilterFlags): AuditExportFilters {
  for (const [name, value] of [['--from', flags.from], ['--to', flags.to]] as const) {
    if (value !== undefined && Number.isNaN(Date.parse(value))) throw new Error(`${name} must be a date or time, e.g. 2025-01-31 or 2025-01-31T12:00:00Z (got "${value}")`);
  }
  const filters: AuditExportFilters = {};
  for (const key of ['user', 'connection', 'class', 'decision', 'kind', 'from', 'to', 'text'] as const) {
    const value = flags[key];
    if (value !== undefined) filters[key] = value;
  }
  return filters;
}

function exportFormat(text: string): AuditExportFormat {
  if (text === 'jsonl' || text === 'csv') return text;
  throw new Error(`--format must be jsonl or csv (got "${text}")`);
}

function positiveInteger(text: string, name: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer (got "${text}")`);
  return value;
}

/** A half-written export must never pass for evidence: write aside, rename into place when complete. */
async function writeFileAtomically(path: string, body: NodeJS.ReadableStream): Promise<void> {
  const partial = join(dirname(path), `.${basename(path)}.${randomUUID()}.partial`);
  try {
    await pipeline(body, createWriteStream(partial, { flags: 'wx', mode: 0o600 }));
    // Evidence that vanishes in a power cut is no evidence: make it durable before it appears.
    const file = await open(partial, 'r');
    try {
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(partial, path);
  } catch (err) {
    await unlink(partial).catch(() => undefined);
    throw err;
  }
}
