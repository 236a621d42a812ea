import { z } from 'zod';
import { isValidIban, IBAN_MIN_LENGTH } from './iban.ts';
import { passesLuhn } from './luhn.ts';

/**
 * Content detectors: they find sensitive values inside any text a column returns — plain
 * values, free text, JSON text, array literals — so that computed columns and free-text
 * fields cannot carry data past the column rules.
 *
 * This runs on every value of large result streams, so each detector first checks cheap
 * traits of the text (length, presence of `@`, digit count, …) and only then scans. Every
 * scan is linear: the regexes have bounded repetitions with disjoint neighbours, and the
 * two detectors whose patterns would backtrack on long runs (e-mail, JWT) scan by hand.
 */
export const DetectorName = z.enum(['email', 'credit_card', 'ssn', 'phone', 'secret_token', 'jwt', 'iban']);
export type DetectorName = z.infer<typeof DetectorName>;

export interface DetectedSpan {
  detector: DetectorName;
  /** UTF-16 offsets, end exclusive. */
  start: number;
  end: number;
}

/**
 * Cheap facts about a text, computed at most once and only when a detector asks. A native
 * single-character `includes` costs a few nanoseconds while a regex test or a JS loop costs a
 * few per character (measured on Node 20), so prechecks look for single characters first and
 * only the digit count (needed for thresholds) loops, and only over text that has a digit.
 */
class TextTraits {
  private digitCount = -1;
  private digitSeen: boolean | undefined;

  constructor(private readonly text: string) {}

  get hasDigit(): boolean {
    if (this.digitSeen === undefined) {
      this.digitSeen = false;
      for (const digit of DIGITS) {
        if (this.text.includes(digit)) {
          this.digitSeen = true;
          break;
        }
      }
    }
    return this.digitSeen;
  }

  get digits(): number {
    if (this.digitCount < 0) this.digitCount = this.hasDigit ? countDigits(this.text) : 0;
    return this.digitCount;
  }
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

function countDigits(text: string): number {
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) digits++;
  }
  return digits;
}

type SpanFinder = (text: string, traits: TextTraits, found: DetectedSpan[]) => void;

const FINDERS: Readonly<Record<DetectorName, SpanFinder>> = {
  email: findEmails,
  credit_card: findCreditCards,
  ssn: findSsns,
  phone: findPhones,
  secret_token: findSecretTokens,
  jwt: findJwts,
  iban: findIbans,
};

/** The shortest text any detector can match; shorter values skip all work. */
const SHORTEST_DETECTABLE = 6;

/**
 * Every detected span, sorted by start, without overlaps (an earlier or, at the same start,
 * longer span wins; a later span reaching beyond it is merged into it so nothing is left bare).
 */
export function findSensitiveSpans(text: string, detectors: readonly DetectorName[]): DetectedSpan[] {
  if (text.length < SHORTEST_DETECTABLE || detectors.length === 0) return [];
  const traits = new TextTraits(text);
  const found: DetectedSpan[] = [];
  for (const detector of detectors) FINDERS[detector](text, traits, found);
  return found.length <= 1 ? found : resolveOverlaps(found);
}

function resolveOverlaps(spans: DetectedSpan[]): DetectedSpan[] {
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const resolved: DetectedSpan[] = [];
  for (const span of spans) {
    const previous = resolved[resolved.length - 1];
    if (previous !== undefined && span.start < previous.end) {
      previous.end = Math.max(previous.end, span.end);
    } else {
      resolved.push({ ...span });
    }
  }
  return resolved;
}

// ---------------------------------------------------------------- e-mail

const EMAIL_MIN_LENGTH = 6; // a@b.co

function findEmails(text: string, _traits: TextTraits, found: DetectedSpan[]): void {
  if (text.length < EMAIL_MIN_LENGTH) return;
  let at = text.indexOf('@');
  while (at !== -1) {
    let start = at;
    while (start > 0 && isEmailLocalCode(text.charCodeAt(start - 1))) start--;
    while (start < at && text.charCodeAt(start) === 46 /* . */) start++;
    let end = at + 1;
    while (end < text.length && isDomainCode(text.charCodeAt(end))) end++;
    // A sentence may end right after the address ("write to a@b.com."), and other text may be
    // glued to it ("a@b.com0A", "a@b.com.0", "a@b.com.A"): the top-level domain is the letters
    // that open the last label, and when that gives no valid domain the last label is glued
    // text, so it is dropped and the label before is tried.
    while (end > at + 1 && isTrailingDomainJunk(text.charCodeAt(end - 1))) end--;
    while (end > at + 1) {
      const lastDot = lastDotBefore(text, at, end);
      if (lastDot === -1) break;
      let topLevelEnd = lastDot + 1;
      while (topLevelEnd < end && isLetterCode(text.charCodeAt(topLevelEnd))) topLevelEnd++;
      if (start < at && isEmailDomain(text.slice(at + 1, topLevelEnd))) {
        found.push({ detector: 'email', start, end: topLevelEnd });
        break;
      }
      end = lastDot;
    }
    at = text.indexOf('@', at + 1);
  }
}

function lastDotBefore(text: string, at: number, end: number): number {
  let dot = end - 1;
  while (dot > at && text.charCodeAt(dot) !== 46) dot--;
  return dot > at ? dot : -1;
}

function isEmailLocalCode(code: number): boolean {
  return isAlphanumericCode(code) || code === 46 || code === 95 || code === 37 || code === 43 || code === 45; // . _ % + -
}

function isDomainCode(code: number): boolean {
  return isAlphanumericCode(code) || code === 46 || code === 45;
}

function isTrailingDomainJunk(code: number): boolean {
  return code === 46 || code === 45;
}

function isLetterCode(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function isEmailDomain(domain: string): boolean {
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  for (const label of labels) {
    if (label.length === 0 || label.startsWith('-') || label.endsWith('-')) return false;
  }
  const topLevel = labels[labels.length - 1] ?? '';
  return topLevel.length >= 2 && /^[A-Za-z]+$/.test(topLevel);
}

// ---------------------------------------------------------------- payment cards

const CARD_MIN_DIGITS = 13;
// 13–19 digits, single spaces or dashes allowed between digits, not part of a longer digit run.
const CARD_CANDIDATE = /(?<![0-9])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])/g;

function findCreditCards(text: string, traits: TextTraits, found: DetectedSpan[]): void {
  if (text.length < CARD_MIN_DIGITS || traits.digits < CARD_MIN_DIGITS) return;
  CARD_CANDIDATE.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = CARD_CANDIDATE.exec(text)) !== null) {
    const end = luhnValidCardEnd(match[0]);
    if (end !== null) {
      found.push({ detector: 'credit_card', start: match.index, end: match.index + end });
      CARD_CANDIDATE.lastIndex = match.index + end;
    } else {
      CARD_CANDIDATE.lastIndex = match.index + 1;
    }
  }
}

/**
 * The end of the longest Luhn-valid card number at the start of a candidate. A card is often
 * followed by more digits after a space ("4111 1111 1111 1111 12/27"), which the candidate
 * swallows, so shorter prefixes ending at a digit are tried too.
 */
function luhnValidCardEnd(candidate: string): number | null {
  const digitEnds: number[] = [];
  let digits = '';
  for (let i = 0; i < candidate.length; i++) {
    const code = candidate.charCodeAt(i);
    if (code >= 48 && code <= 57) {
      digits += candidate[i];
      digitEnds.push(i + 1);
    }
  }
  for (let length = digits.length; length >= CARD_MIN_DIGITS; length--) {
    const end = digitEnds[length - 1];
    if (end === undefined) return null;
    // A prefix must stop where a separator follows, never inside a run of digits.
    if (end < candidate.length && candidate.charCodeAt(end) !== 32 && candidate.charCodeAt(end) !== 45) continue;
    if (passesLuhn(digits.slice(0, length))) return end;
  }
  return null;
}

// ---------------------------------------------------------------- US SSN

const SSN_CANDIDATE = /(?<![0-9-])([0-9]{3})-([0-9]{2})-([0-9]{4})(?![0-9-])/g;
const SSN_LENGTH = 11;

function findSsns(text: string, traits: TextTraits, found: DetectedSpan[]): void {
  if (text.length < SSN_LENGTH || !text.includes('-') || traits.digits < 9) return;
  scanWithRegex(text, SSN_CANDIDATE, isIssuableSsn, 'ssn', found);
}

// Area 000, 666 and 900–999, group 00 and serial 0000 are never issued.
function isIssuableSsn(candidate: string): boolean {
  const area = candidate.slice(0, 3);
  const group = candidate.slice(4, 6);
  const serial = candidate.slice(7, 11);
  return area !== '000' && area !== '666' && area[0] !== '9' && group !== '00' && serial !== '0000';
}

// ---------------------------------------------------------------- E.164 phone numbers

// `+`, then 8–15 digits in total (first one non-zero), with up to two separators
// ( space . - parentheses ) between digits.
const PHONE_CANDIDATE = /(?<![A-Za-z0-9+])\+[1-9](?:[ .()-]{0,2}[0-9]){7,14}(?![0-9])/g;

function findPhones(text: string, traits: TextTraits, found: DetectedSpan[]): void {
  if (!text.includes('+') || traits.digits < 8) return;
  scanWithRegex(text, PHONE_CANDIDATE, () => true, 'phone', found);
}

// ---------------------------------------------------------------- secret tokens

const SECRET_TOKEN_MIN_LENGTH = 20;
// Vendor prefixes with their documented alphabets and minimum lengths, so ordinary
// identifiers that merely start with "sk_" or "hf_" are not taken for secrets.
const SECRET_TOKEN = new RegExp(
  '(?<![A-Za-z0-9_-])(?:' +
    [
      '[sr]k_(?:live|test)_[A-Za-z0-9]{16,}', // Stripe secret and restricted keys
      'whsec_[A-Za-z0-9]{16,}', // Stripe webhook secrets
      'gh[pousr]_[A-Za-z0-9]{30,}', // GitHub tokens
      'github_pat_[A-Za-z0-9_]{40,}', // GitHub fine-grained tokens
      'glpat-[A-Za-z0-9_-]{20,}', // GitLab personal access tokens
      'xox[abposr]-[A-Za-z0-9-]{10,}', // Slack tokens
      '(?:AKIA|ASIA)[0-9A-Z]{16}', // AWS access key ids
      'AIza[0-9A-Za-z_-]{35}', // Google API keys
      'npm_[A-Za-z0-9]{36}', // npm tokens
      'sk-(?:proj|ant|svcacct)-[A-Za-z0-9_-]{20,}', // OpenAI / Anthropic keys
      'hf_[A-Za-z0-9]{30,}', // Hugging Face tokens
      'shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}', // Shopify tokens
      'dop_v1_[a-f0-9]{64}', // DigitalOcean tokens
      'pypi-AgE[A-Za-z0-9_-]{50,}', // PyPI tokens
    ].join('|') +
    ')(?![A-Za-z0-9])',
  'g',
);

function findSecretTokens(text: string, _traits: TextTraits, found: DetectedSpan[]): void {
  if (text.length < SECRET_TOKEN_MIN_LENGTH) return;
  if (!mayHoldSecretToken(text)) return;
  scanWithRegex(text, SECRET_TOKEN, () => true, 'secret_token', found);
}

// Every prefix above contains "_", or "-", or starts with "A"; the longer markers are only
// searched for once the single character is there, because single characters are found fastest.
const DASHED_SECRET_MARKERS = ['glpat-', 'xox', 'sk-', 'pypi-'];
const CAPITAL_A_SECRET_MARKERS = ['AKIA', 'ASIA', 'AIza'];

function mayHoldSecretToken(text: string): boolean {
  if (text.includes('_')) return true;
  if (text.includes('-') && DASHED_SECRET_MARKERS.some((marker) => text.includes(marker))) return true;
  return text.includes('A') && CAPITAL_A_SECRET_MARKERS.some((marker) => text.includes(marker));
}

// ---------------------------------------------------------------- JWT

const JWT_MIN_LENGTH = 20;
const JWT_HEADER_START = 'eyJ'; // base64url of '{"'

// Three base64url segments (the signature may be empty for alg "none"), scanned by hand so a
// long run without dots costs one pass instead of one pass per "eyJ" inside it.
function findJwts(text: string, _traits: TextTraits, found: DetectedSpan[]): void {
  if (text.length < JWT_MIN_LENGTH || !text.includes('.')) return;
  let from = 0;
  for (;;) {
    const start = text.indexOf(JWT_HEADER_START, from);
    if (start === -1) return;
    const headerEnd = skipBase64Url(text, start);
    from = headerEnd;
    if (start > 0 && isBase64UrlCode(text.charCodeAt(start - 1))) continue;
    if (text.charCodeAt(headerEnd) !== 46) continue;
    const payloadEnd = skipBase64Url(text, headerEnd + 1);
    from = payloadEnd;
    if (payloadEnd === headerEnd + 1 || text.charCodeAt(payloadEnd) !== 46) continue;
    const signatureEnd = skipBase64Url(text, payloadEnd + 1);
    from = signatureEnd;
    if (text.charCodeAt(signatureEnd) === 46) continue; // four or more segments: not a JWS
    if (hasJwtHeader(text.slice(start, headerEnd))) {
      found.push({ detector: 'jwt', start, end: signatureEnd });
    }
  }
}

function skipBase64Url(text: string, from: number): number {
  let end = from;
  while (end < text.length && isBase64UrlCode(text.charCodeAt(end))) end++;
  return end;
}

function isBase64UrlCode(code: number): boolean {
  return isAlphanumericCode(code) || code === 45 || code === 95;
}

function hasJwtHeader(encodedHeader: string): boolean {
  try {
    const header: unknown = JSON.parse(Buffer.from(encodedHeader, 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- IBAN

// Country code, check digits, then the BBAN in groups of four with optional single spaces.
const IBAN_START = /[A-Z]{2}[0-9]{2}/;
const IBAN_CANDIDATE = /(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])/g;

function findIbans(text: string, traits: TextTraits, found: DetectedSpan[]): void {
  if (text.length < IBAN_MIN_LENGTH || !traits.hasDigit || !IBAN_START.test(text)) return;
  scanWithRegex(text, IBAN_CANDIDATE, isValidIban, 'iban', found);
}

// ---------------------------------------------------------------- shared

function scanWithRegex(
  text: string,
  pattern: RegExp,
  isGenuine: (candidate: string) => boolean,
  detector: DetectorName,
  found: DetectedSpan[],
): void {
  pattern.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null) {
    const candidate = match[0];
    if (isGenuine(candidate)) {
      found.push({ detector, start: match.index, end: match.index + candidate.length });
    } else {
      // A rejected candidate may hide a genuine one starting inside it.
      pattern.lastIndex = match.index + 1;
    }
  }
}

function isAlphanumericCode(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}
