import type { DetectorName } from '../masking/detectors.ts';
import { DEFAULT_DETECTOR_STYLES } from '../masking/mask-text.ts';
import type { MaskStyle } from '../masking/mask-style.ts';
import { globMatches, literalLength } from './glob.ts';
import { parseColumnPattern } from './name-pattern.ts';
import type { ColumnPattern } from './name-pattern.ts';
import type { PolicyDocument, ScanMode } from './policy-document.ts';

/**
 * Which result columns a policy masks, and how.
 *
 * Column rule precedence — the most specific matching glob wins, so a broad rule can be
 * refined for one table:
 * 1. more segments written without any wildcard (`public.customers.email` beats `*.customers.email`,
 *    which beats `*.*.email`; left-out leading segments count as `*`);
 * 2. then more literal (non-`*`) characters (`pay*.*.iban` beats `*.*.iban`);
 * 3. then, between equally specific globs, the style that reveals less:
 *    null > redact > hash > last4 > partial.
 */

export interface ResultColumn {
  schema: string;
  table: string;
  column: string;
}

interface CompiledColumnRule {
  pattern: ColumnPattern;
  style: MaskStyle;
  exactSegments: number;
  literalChars: number;
}

const REVEALS_LESS_FIRST: readonly MaskStyle[] = ['null', 'redact', 'hash', 'last4', 'partial'];

const compiledColumnRules = new WeakMap<PolicyDocument, CompiledColumnRule[]>();

export function columnMaskStyle(policy: PolicyDocument, col: ResultColumn): MaskStyle | null {
  let best: CompiledColumnRule | null = null;
  for (const rule of columnRulesOf(policy)) {
    const { schema, table, column } = rule.pattern;
    if (!globMatches(column, col.column) || !globMatches(table, col.table) || !globMatches(schema, col.schema)) continue;
    if (best === null || outranks(rule, best)) best = rule;
  }
  return best?.style ?? null;
}

/** The content detectors to run on result values (none when scanning is off). */
export function detectorsFor(policy: PolicyDocument): DetectorName[] {
  return policy.masking.scan === 'none' ? [] : [...new Set(policy.masking.detectors)];
}

/** The style each detector masks with: the policy's override, else the detector's default. */
export function detectorStylesFor(policy: PolicyDocument): Record<DetectorName, MaskStyle> {
  return { ...DEFAULT_DETECTOR_STYLES, ...policy.masking.detector_styles };
}

/** Which values to scan; `none` when the policy lists no detectors, so callers can skip all work. */
export function scanMode(policy: PolicyDocument): ScanMode {
  return policy.masking.detectors.length === 0 ? 'none' : policy.masking.scan;
}

function outranks(candidate: CompiledColumnRule, current: CompiledColumnRule): boolean {
  if (candidate.exactSegments !== current.exactSegments) return candidate.exactSegments > current.exactSegments;
  if (candidate.literalChars !== current.literalChars) return candidate.literalChars > current.literalChars;
  return REVEALS_LESS_FIRST.indexOf(candidate.style) < REVEALS_LESS_FIRST.indexOf(current.style);
}

function columnRulesOf(policy: PolicyDocument): CompiledColumnRule[] {
  const cached = compiledColumnRules.get(policy);
  if (cached !== undefined) return cached;
  const rules: CompiledColumnRule[] = [];
  for (const [glob, style] of Object.entries(policy.masking.columns)) {
    const pattern = parseColumnPattern(glob);
    // The schema rejects malformed globs; a hand-built policy must not lose a mask silently.
    if (pattern === null) throw new Error(`invalid masking column glob "${glob}"`);
    const segments = [pattern.schema, pattern.table, pattern.column];
    rules.push({
      pattern,
      style,
      exactSegments: segments.filter((segment) => !segment.includes('*')).length,
      literalChars: segments.reduce((sum, segment) => sum + literalLength(segment), 0),
    });
  }
  compiledColumnRules.set(policy, rules);
  return rules;
}
