/**
 * Glob matching for policy names (relations, functions, masked columns). `*` matches any run
 * of characters within one name segment; everything else is literal. Names are compared
 * case-insensitively: PostgreSQL folds unquoted identifiers to lower case, and a policy
 * written as `Payroll.*` must not silently miss the `payroll` schema.
 */
export function globMatches(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase();
  const n = name.toLowerCase();
  // Iterative matcher with single-star backtracking: linear in practice, never exponential.
  let pi = 0;
  let ni = 0;
  let starAt = -1;
  let resumeAt = 0;
  while (ni < n.length) {
    if (pi < p.length && p[pi] === '*') {
      starAt = pi++;
      resumeAt = ni;
    } else if (pi < p.length && p[pi] === n[ni]) {
      pi++;
      ni++;
    } else if (starAt !== -1) {
      pi = starAt + 1;
      ni = ++resumeAt;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

export function isWildcardOnly(segment: string): boolean {
  return segment.length > 0 && [...segment].every((char) => char === '*');
}

/** Characters that are not `*`: how much a pattern segment pins down. */
export function literalLength(segment: string): number {
  return segment.replaceAll('*', '').length;
}
