import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isJustified, parseJustifications, parseSarif, staleJustifications, type Finding } from '../../../bin/electronegativity-check.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

const DOC = `# x

## Electronegativity findings

| check | file | why |
|---|---|---|
| \`OPEN_EXTERNAL_JS_CHECK\` | \`security/external-links.ts\` | allowlisted |
| PRELOAD_JS_CHECK | ports/real-electron-port.ts | reviewed |

## Later section

| NOT_A_JUSTIFICATION | x.ts | outside the section |
`;

const SARIF = JSON.stringify({
  runs: [
    {
      results: [
        { ruleId: 'OPEN_EXTERNAL_JS_CHECK', message: { text: 'Review the use of openExternal' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'security/external-links.ts' }, region: { startLine: 22 } } }] },
        { ruleId: 'SANDBOX_JS_CHECK', message: { text: 'Use sandbox' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'ports\\real-electron-port.ts' }, region: { startLine: 29 } } }] },
        { ruleId: 'CSP_GLOBAL_CHECK', message: { text: 'No CSP' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'file:///' }, region: { startLine: 1 } } }] },
      ],
    },
  ],
});

describe('the electronegativity check', () => {
  it('reads the justification table of its section only', () => {
    expect(parseJustifications(DOC)).toEqual([
      { id: 'OPEN_EXTERNAL_JS_CHECK', file: 'security/external-links.ts', reason: 'allowlisted' },
      { id: 'PRELOAD_JS_CHECK', file: 'ports/real-electron-port.ts', reason: 'reviewed' },
    ]);
  });

  it('insists on the section and on a reason', () => {
    expect(() => parseJustifications('# nothing here')).toThrow(/Electronegativity findings/);
    expect(() => parseJustifications('## Electronegativity findings\n| SANDBOX_JS_CHECK | a.ts |  |\n')).toThrow(/empty/);
  });

  it('reads findings from the SARIF report', () => {
    expect(parseSarif(SARIF)).toEqual([
      { id: 'OPEN_EXTERNAL_JS_CHECK', file: 'security/external-links.ts', line: 22, message: 'Review the use of openExternal' },
      { id: 'SANDBOX_JS_CHECK', file: 'ports/real-electron-port.ts', line: 29, message: 'Use sandbox' },
      { id: 'CSP_GLOBAL_CHECK', file: 'N/A', line: 1, message: 'No CSP' },
    ]);
  });

  it('counts a finding as justified only when both check id and file match', () => {
    const justifications = parseJustifications(DOC);
    const [openExternal, sandbox, csp] = parseSarif(SARIF) as [Finding, Finding, Finding];
    expect(isJustified(openExternal, justifications)).toBe(true);
    expect(isJustified(sandbox, justifications)).toBe(false);
    expect(isJustified(csp, justifications)).toBe(false);
    expect(isJustified({ ...openExternal, file: 'app/gatehouse-app.ts' }, justifications)).toBe(false);
    expect(staleJustifications([openExternal], justifications)).toEqual([{ id: 'PRELOAD_JS_CHECK', file: 'ports/real-electron-port.ts', reason: 'reviewed' }]);
  });

  it('the real docs justify only review notes, never a hardening check', () => {
    const justified = new Set(parseJustifications(readFileSync(join(root, 'docs/electron-security.md'), 'utf8')).map((j) => j.id));
    for (const hardening of ['CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK', 'NODE_INTEGRATION_JS_CHECK', 'WEB_SECURITY_JS_CHECK', 'LIMIT_NAVIGATION_GLOBAL_CHECK', 'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK', 'AUXCLICK_JS_CHECK']) {
      expect(justified.has(hardening)).toBe(false);
    }
  });
});
