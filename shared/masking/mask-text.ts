import { findSensitiveSpans } from './detectors.ts';
import type { DetectedSpan, DetectorName } from './detectors.ts';
import { applyMaskStyle, REDACTED_TOKEN } from './mask-style.ts';
import type { MaskStyle } from './mask-style.ts';

/**
 * Masks what the content detectors find inside one text value, in place.
 *
 * JSON stays valid: when the text is a JSON document, spans inside strings are masked with
 * characters that need no escaping (no quotes, no backslashes are ever written), spans never
 * start inside an escape sequence, and a bare JSON number that carries a detected value
 * (a card number stored as a number) becomes the literal `null`. Array literals and free text
 * are masked in place; masks contain no delimiters (`"`, `\`, `,`, `{`, `}`, whitespace).
 *
 * Style `null` cannot blank part of a text, so inside text it writes the redaction token.
 */
export const DEFAULT_DETECTOR_STYLES: Readonly<Record<DetectorName, MaskStyle>> = {
  email: 'partial',
  credit_card: 'last4',
  ssn: 'last4',
  phone: 'partial',
  secret_token: 'redact',
  jwt: 'redact',
  iban: 'partial',
};

export interface TextMaskOptions {
  /** One style for every detector; `styles` wins over it for the detectors it names. */
  style?: MaskStyle;
  styles?: Partial<Record<DetectorName, MaskStyle>>;
  /** Required when any detector uses style `hash`. */
  hashKey?: Buffer;
  /** `auto` treats text starting with `{` or `[` that parses as JSON as JSON. */
  format?: 'auto' | 'json' | 'text';
}

export interface TextMaskResult {
  text: string;
  /** Detectors that masked something, each once, in detection order. */
  hits: DetectorName[];
}

export type TextMasker = (text: string) => TextMaskResult;

/** Resolves styles once, for callers that mask many values with the same settings. */
export function createTextMasker(detectors: readonly DetectorName[], options: TextMaskOptions = {}): TextMasker {
  const activeDetectors = [...new Set(detectors)];
  const styleOf = new Map<DetectorName, MaskStyle>();
  for (const detector of activeDetectors) {
    const style = options.styles?.[detector] ?? options.style ?? DEFAULT_DETECTOR_STYLES[detector];
    if (style === 'hash' && (options.hashKey === undefined || options.hashKey.length === 0)) {
      throw new Error(`detector "${detector}" masks with style "hash" but no hash key was given`);
    }
    styleOf.set(detector, style);
  }
  const hashKey = options.hashKey ?? Buffer.alloc(0);
  const format = options.format ?? 'auto';

  return (text) => {
    const spans = findSensitiveSpans(text, activeDetectors);
    if (spans.length === 0) return { text, hits: [] };
    const jsonLayout = format !== 'text' && (format === 'json' || looksLikeJsonContainer(text)) ? jsonCharacterLayout(text) : null;
    const placed = jsonLayout === null ? spans.map((span) => ({ span, replaceWithNull: false })) : placeInJson(spans, jsonLayout, text);
    const hits: DetectorName[] = [];
    let masked = '';
    let copiedUpTo = 0;
    for (const { span, replaceWithNull } of placed) {
      const style = styleOf.get(span.detector) ?? DEFAULT_DETECTOR_STYLES[span.detector];
      const replacement = replaceWithNull ? 'null' : (applyMaskStyle(text.slice(span.start, span.end), style, hashKey) ?? REDACTED_TOKEN);
      masked += text.slice(copiedUpTo, span.start) + replacement;
      copiedUpTo = span.end;
      if (!hits.includes(span.detector)) hits.push(span.detector);
    }
    if (hits.length === 0) return { text, hits };
    return { text: masked + text.slice(copiedUpTo), hits };
  };
}

export function maskDetectedText(text: string, detectors: readonly DetectorName[], options: TextMaskOptions = {}): TextMaskResult {
  return createTextMasker(detectors, options)(text);
}

function looksLikeJsonContainer(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 32 || code === 9 || code === 10 || code === 13) continue;
    return code === 123 /* { */ || code === 91 /* [ */;
  }
  return false;
}

const OUTSIDE_STRING = 0;
const STRING_CONTENT = 1;
const STRING_SYNTAX = 2; // quotes and every character of an escape sequence

/**
 * Which characters of a JSON text are string content that may be rewritten freely. Null when
 * the text is not JSON (e.g. a PostgreSQL array literal `{"a@b.com"}`), which is then masked as
 * plain text — safe there too, since masks contain no delimiters.
 */
function jsonCharacterLayout(text: string): Uint8Array | null {
  try {
    JSON.parse(text);
  } catch {
    return null;
  }
  const layout = new Uint8Array(text.length);
  let i = 0;
  while (i < text.length) {
    if (text.charCodeAt(i) !== 34 /* " */) {
      i++;
      continue;
    }
    layout[i++] = STRING_SYNTAX;
    while (i < text.length) {
      const code = text.charCodeAt(i);
      if (code === 34) {
        layout[i++] = STRING_SYNTAX;
        break;
      }
      if (code === 92 /* \ */) {
        const escapeLength = text.charCodeAt(i + 1) === 117 /* u */ ? 6 : 2;
        layout.fill(STRING_SYNTAX, i, Math.min(i + escapeLength, text.length));
        i += escapeLength;
        continue;
      }
      layout[i++] = STRING_CONTENT;
    }
  }
  return layout;
}

interface PlacedSpan {
  span: DetectedSpan;
  replaceWithNull: boolean;
}

function placeInJson(spans: DetectedSpan[], layout: Uint8Array, text: string): PlacedSpan[] {
  const placed: PlacedSpan[] = [];
  let lastEnd = 0;
  for (const span of spans) {
    let start = Math.max(span.start, lastEnd);
    if (layout[start] === OUTSIDE_STRING) {
      // Only numbers sit outside strings in valid JSON; the whole number token goes.
      while (start > lastEnd && isJsonNumberCode(text.charCodeAt(start - 1))) start--;
      let end = span.end;
      while (end < text.length && isJsonNumberCode(text.charCodeAt(end))) end++;
      placed.push({ span: { ...span, start, end }, replaceWithNull: true });
      lastEnd = end;
      continue;
    }
    while (start < span.end && layout[start] !== STRING_CONTENT) start++;
    let end = start;
    while (end < span.end && layout[end] === STRING_CONTENT) end++;
    if (end > start) {
      placed.push({ span: { ...span, start, end }, replaceWithNull: false });
      lastEnd = end;
    }
  }
  return placed;
}

function isJsonNumberCode(code: number): boolean {
  return (code >= 48 && code <= 57) || code === 45 || code === 43 || code === 46 || code === 101 || code === 69;
}
