import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import type { ValidatePolicyResult } from '../../shared/bridge/admin-bridge.ts';
import { parsePolicyText } from '../../shared/policy/parse-policy.ts';

/**
 * The policy editor's check, with the parser the server and every broker use, so what passes
 * here is what the server accepts. Given the connection being edited, a policy naming another
 * connection is an error too, as the server will say.
 */
export function validatePolicy(yaml: string, connection?: string): ValidatePolicyResult {
  const parsed = parsePolicyText(yaml);
  if (!parsed.ok) return { ok: false, errors: parsed.errors.map(({ line, column, path, message }) => ({ line, column, path, message })) };
  if (connection === undefined || parsed.policy.connection === connection) return { ok: true, errors: [] };
  return {
    ok: false,
    errors: [{ ...connectionValuePosition(yaml), path: 'connection', message: `the policy is for connection "${parsed.policy.connection}", not "${connection}"` }],
  };
}

function connectionValuePosition(yaml: string): { line: number; column: number } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(yaml, { lineCounter });
  const contents = doc.contents;
  if (isMap(contents)) {
    const pair = contents.items.find((item) => isScalar(item.key) && item.key.value === 'connection');
    const offset = isScalar(pair?.value) ? pair.value.range?.[0] : undefined;
    if (offset !== undefined) {
      const { line, col } = lineCounter.linePos(offset);
      return { line, column: col };
    }
  }
  return { line: 1, column: 1 };
}
