/*
 * `npm run lint:electron`: runs Doyensec's electronegativity over electron/ and fails on any
 * finding that docs/electron-security.md does not justify (matched by check id and file).
 * electronegativity itself exits 0 whatever it finds, so its SARIF report is parsed here.
 *
 * The published CLI (1.10.3) requires `commander` without declaring it and picks up this
 * project's commander 14, whose API differs ("version is not a function"). So the same runner
 * the CLI calls is run in a child process (whose exit guarantees the report is written).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface Finding {
  id: string;
  /** Relative to the scanned folder (electron/); `N/A` for app-wide checks. */
  file: string;
  line: number;
  message: string;
}

export interface Justification {
  id: string;
  file: string;
  reason: string;
}

const SECTION = '## Electronegativity findings';

/** The rows of the justification table in docs/electron-security.md: | CHECK_ID | file | reason |. */
export function parseJustifications(markdown: string): Justification[] {
  const start = markdown.indexOf(SECTION);
  if (start === -1) throw new Error(`docs/electron-security.md has no "${SECTION}" section`);
  const rest = markdown.slice(start + SECTION.length);
  const end = rest.search(/^## /m);
  const section = end === -1 ? rest : rest.slice(0, end);
  const rows: Justification[] = [];
  for (const line of section.split('\n')) {
    if (!line.trim().startsWith('|')) continue;
    const cells = line
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((cell) => cell.trim().replace(/^`|`$/g, ''));
    const [id, file, reason] = cells;
    if (id === undefined || file === undefined || reason === undefined) continue;
    if (!/^[A-Z0-9_]+$/.test(id)) continue; // the header and separator rows
    if (reason === '') throw new Error(`the justification of ${id} in ${file} is empty`);
    rows.push({ id, file, reason });
  }
  return rows;
}

interface SarifReport {
  runs?: { results?: { ruleId?: string; message?: { text?: string }; locations?: { physicalLocation?: { artifactLocation?: { uri?: string }; region?: { startLine?: number } } }[] }[] }[];
}

/** electronegativity's SARIF output as findings. */
export function parseSarif(text: string): Finding[] {
  const report = JSON.parse(text) as SarifReport;
  const findings: Finding[] = [];
  for (const run of report.runs ?? []) {
    for (const result of run.results ?? []) {
      const location = result.locations?.[0]?.physicalLocation;
      const uri = location?.artifactLocation?.uri ?? 'N/A';
      findings.push({
        id: result.ruleId ?? 'UNKNOWN',
        file: uri === 'file:///' ? 'N/A' : uri.replaceAll('\\', '/'),
        line: location?.region?.startLine ?? 0,
        message: result.message?.text ?? '',
      });
    }
  }
  return findings;
}

export function isJustified(finding: Finding, justifications: readonly Justification[]): boolean {
  return justifications.some((j) => j.id === finding.id && j.file === finding.file);
}

/** Justifications no finding needs any more: the docs should lose them. */
export function staleJustifications(findings: readonly Finding[], justifications: readonly Justification[]): Justification[] {
  return justifications.filter((j) => !findings.some((f) => f.id === j.id && f.file === j.file));
}

// Run in a child: `node -e RUNNER <input> <report.sarif> <errors.json> <electron version>`.
const RUNNER = `
const [input, output, errorsPath, electronVersion] = process.argv.slice(1);
const runner = require(${JSON.stringify('@doyensec/electronegativity/dist/runner.js')});
(runner.default || runner)({ input, output, isSarif: true, isRelative: true, electronVersionOverride: electronVersion, customScan: [], excludeFromScan: [] }, false)
  .then((result) => require('node:fs').writeFileSync(errorsPath, JSON.stringify(result.errors)))
  .catch((error) => { console.error(error); process.exit(1); });
`;

function runElectronegativity(root: string, input: string): { findings: Finding[]; parseErrors: { file: string; message: string }[] } {
  const require = createRequire(join(root, 'package.json'));
  const electronVersion = (require('electron/package.json') as { version: string }).version;
  const work = mkdtempSync(join(tmpdir(), 'electronegativity-'));
  try {
    const report = join(work, 'report.sarif');
    const errors = join(work, 'errors.json');
    const child = spawnSync(process.execPath, ['-e', RUNNER, input, report, errors, electronVersion], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    if (child.status !== 0) throw new Error(`electronegativity failed (exit ${child.status ?? child.signal})`);
    const parseErrors = (JSON.parse(readFileSync(errors, 'utf8')) as { file: string; message: string; tolerable: boolean }[]).filter((e) => !e.tolerable);
    return { findings: parseSarif(readFileSync(report, 'utf8')), parseErrors };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function main(): number {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const input = join(root, 'electron');
  const { findings, parseErrors } = runElectronegativity(root, input);
  const justifications = parseJustifications(readFileSync(join(root, 'docs', 'electron-security.md'), 'utf8'));
  let failed = false;
  for (const error of parseErrors) {
    // A file electronegativity cannot parse is a file it did not check.
    console.error(`electronegativity could not parse ${error.file}: ${error.message}`);
    failed = true;
  }
  const open = findings.filter((f) => !isJustified(f, justifications));
  console.log(`electronegativity: ${findings.length} finding(s) in electron/, ${findings.length - open.length} justified in docs/electron-security.md`);
  for (const f of open) console.error(`  UNJUSTIFIED ${f.id} ${f.file}:${f.line} ${f.message}`);
  for (const j of staleJustifications(findings, justifications)) console.warn(`  note: docs/electron-security.md justifies ${j.id} in ${j.file}, which is no longer reported`);
  if (open.length > 0) {
    console.error('Fix each finding, or justify it (check id + file) in the "Electronegativity findings" table of docs/electron-security.md.');
    failed = true;
  }
  return failed ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) process.exitCode = main();
