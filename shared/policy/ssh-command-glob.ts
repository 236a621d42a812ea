/**
 * Globs over SSH command lines and environment variable names: `*` matches any run of
 * characters (spaces and slashes included), everything else is literal. Unlike SQL names,
 * command lines are case-sensitive: `RM` is not `rm` on the hosts this runs against.
 */
export function commandGlobMatches(pattern: string, text: string): boolean {
  // Iterative matcher with single-star backtracking: linear in practice, never exponential.
  let pi = 0;
  let ti = 0;
  let starAt = -1;
  let resumeAt = 0;
  while (ti < text.length) {
    if (pi < pattern.length && pattern[pi] === '*') {
      starAt = pi++;
      resumeAt = ti;
    } else if (pi < pattern.length && pattern[pi] === text[ti]) {
      pi++;
      ti++;
    } else if (starAt !== -1) {
      pi = starAt + 1;
      ti = ++resumeAt;
    } else {
      return false;
    }
  }
  while (pi < pattern.length && pattern[pi] === '*') pi++;
  return pi === pattern.length;
}

/** Runs of spaces and tabs become one space, so `rm  -rf` and `rm -rf` are judged alike. */
export function normalizeCommandText(text: string): string {
  return text.replace(/[ \t\r]+/g, ' ').trim();
}
