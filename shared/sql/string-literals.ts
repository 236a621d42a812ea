import { pgQuery } from './pg-query-module.ts';
import type { StatementText } from './statement-text.ts';

/**
 * With standard_conforming_strings off, the server treats a backslash inside a plain '...' literal as
 * an escape, while libpg-query always lexes as if the setting were on. The two lexers agree token for
 * token up to the first plain literal containing a backslash, so text without one reads the same either
 * way; text with one could end a string where we think it continues, and is refused.
 *
 * Returns the string index of the first such literal, or null. Uses libpg-query's own scanner tokens.
 */
export function findBackslashInPlainLiteral(statementText: StatementText): number | null {
  for (const token of pgQuery().scanSync(statementText.text).tokens) {
    const tokenText = token.text;
    if (!tokenText.includes('\\')) continue;
    // E'...' always escapes and $$...$$ never does, so both read the same under either setting.
    // U&'...' is rejected by the server when the setting is off; refusing it here costs nothing.
    const plain = tokenText.startsWith("'") || tokenText.startsWith("U&'") || tokenText.startsWith("u&'");
    if (plain) return statementText.indexOfByte(token.start);
  }
  return null;
}
