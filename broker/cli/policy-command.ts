import type { Command } from 'commander';
import { initSqlParser, classifySql, emptyClassifyContext } from '../../shared/sql/classify.ts';
import { evaluateStatement } from '../../shared/policy/evaluate.ts';
import { columnMaskStyle, detectorsFor, scanMode } from '../../shared/policy/masking-plan.ts';
import { loadPolicyFile } from '../policy/session-policy-factory.ts';

export function registerPolicyCommands(program: Command): void {
  const policy = program.command('policy').description('validate and explain policy documents');
  policy
    .command('check')
    .description('validate a policy document; errors name the line and the field')
    .argument('<file>', 'policy document (YAML)')
    .action((file: string) => {
      const doc = loadPolicyFile(file);
      process.stdout.write(`${file}: valid policy for connection "${doc.connection}" (${doc.rules.length} rules, default ${doc.default})\n`);
    });
  policy
    .command('explain')
    .description('show how a policy treats one statement: class, matching rule, decision, masked columns')
    .argument('<file>', 'policy document (YAML)')
    .requiredOption('--sql <statement>', 'the SQL to explain')
    .option('--search-path <schemas>', 'the session search_path (comma separated)', 'public')
    .option('--json', 'print JSON instead of text')
    .action(async (file: string, flags: { sql: string; searchPath: string; json?: boolean }) => {
      const doc = loadPolicyFile(file);
      await initSqlParser();
      const result = classifySql(flags.sql, emptyClassifyContext());
      if (!result.ok) {
        const out = { class: null, parseError: result.error, decision: 'block', rule: null, reason: 'text that does not parse is never forwarded' };
        process.stdout.write(flags.json === true ? `${JSON.stringify(out)}\n` : `parse error: ${result.error}\ndecision: block (text that does not parse is never forwarded)\n`);
        process.exitCode = 0;
        return;
      }
      const c = result.classification;
      const decision = evaluateStatement(doc, c, { searchPath: flags.searchPath.split(',').map((s) => s.trim()) });
      const masked: string[] = [];
      for (const rel of c.relationsRead) {
        for (const [pattern, style] of Object.entries(doc.masking.columns)) {
          const column = pattern.split('.').pop()!;
          if (column.includes('*')) continue;
          const s = columnMaskStyle(doc, { schema: rel.schema ?? 'public', table: rel.name, column });
          if (s !== null && s === style) masked.push(`${rel.schema ?? 'public'}.${rel.name}.${column} (${s})`);
        }
      }
      const out = {
        class: c.class,
        export: c.export,
        relationsRead: c.relationsRead.map((r) => (r.schema === null ? r.name : `${r.schema}.${r.name}`)),
        relationsWritten: c.relationsWritten.map((r) => (r.schema === null ? r.name : `${r.schema}.${r.name}`)),
        functions: c.functions,
        reasons: c.statements.flatMap((s) => s.reasons),
        rule: decision.ruleName,
        decision: decision.action,
        message: decision.message,
        approvers: decision.approvers,
        maskedColumns: [...new Set(masked)],
        detectors: detectorsFor(doc),
        scan: scanMode(doc),
      };
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify(out)}\n`);
        return;
      }
      const lines = [
        `class:     ${out.class}${out.export ? ' (export)' : ''}`,
        `reads:     ${out.relationsRead.join(', ') || '-'}`,
        `writes:    ${out.relationsWritten.join(', ') || '-'}`,
        `functions: ${out.functions.join(', ') || '-'}`,
        `rule:      ${out.rule ?? '(default)'}`,
        `decision:  ${out.decision}${out.approvers.length > 0 ? ` by ${out.approvers.join(', ')}` : ''}`,
        `message:   ${out.message}`,
        `masked:    ${out.maskedColumns.join(', ') || '-'} (masked columns of the relations read)`,
        `detectors: ${out.scan === 'none' ? 'off' : `${out.detectors.join(', ')} on ${out.scan} columns`}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
