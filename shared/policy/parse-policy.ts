import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node, Pair } from 'yaml';
import type { z } from 'zod';
import { PolicyDocument } from './policy-document.ts';

export interface PolicyError {
  /** 1-based, as editors show them. */
  line: number;
  column: number;
  /** Dotted path into the document, e.g. `rules.1.action`; empty for the whole document. */
  path: string;
  message: string;
}

export type PolicyParseResult = { ok: true; policy: PolicyDocument } | { ok: false; errors: PolicyError[] };

// Aliases can multiply a small file into a huge value; a policy never needs many.
const MAX_ALIAS_COUNT = 100;

/** Parses YAML policy text; every problem is reported at the line and column of the node that causes it. */
export function parsePolicyText(text: string): PolicyParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((error) => ({ ...positionOf(lineCounter, error.pos[0]), path: '', message: firstLine(error.message) })),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return { ok: false, errors: [{ line: 1, column: 1, path: '', message: error instanceof Error ? error.message : String(error) }] };
  }
  const parsed = PolicyDocument.safeParse(value);
  if (parsed.success) return { ok: true, policy: parsed.data };
  const errors = parsed.error.issues.flatMap((issue) => locateIssue(doc, lineCounter, issue));
  errors.sort((a, b) => a.line - b.line || a.column - b.column);
  return { ok: false, errors };
}

/** One line per error: `policy.yaml:12:5 rules.1.action: Invalid option …`. */
export function formatPolicyErrors(fileName: string, errors: readonly PolicyError[]): string {
  return errors
    .map((error) => `${fileName}:${error.line}:${error.column} ${error.path === '' ? '' : `${error.path}: `}${error.message}`)
    .join('\n');
}

/** The policy of a connection nobody has restricted: everything allowed, still audited durably. */
export function allowAllPolicy(connection: string): PolicyDocument {
  return PolicyDocument.parse({ version: 1, connection, default: 'allow' });
}

type IssuePath = readonly PropertyKey[];

function locateIssue(doc: Document, lineCounter: LineCounter, issue: z.core.$ZodIssue): PolicyError[] {
  const path = issue.path;
  if (issue.code === 'unrecognized_keys') {
    const container = resolvePath(doc, path);
    return issue.keys.map((key) => {
      const keyNode = isMap(container.node) ? findPair(container.node, key)?.key : undefined;
      const offset = rangeStart(keyNode) ?? container.offset;
      return { ...positionOf(lineCounter, offset), path: formatPath([...path, key]), message: `unknown key "${key}"` };
    });
  }
  if (issue.code === 'invalid_key') {
    // Point at the offending key itself and say what a key should look like.
    const container = resolvePath(doc, path.slice(0, -1));
    const key = path[path.length - 1];
    const keyNode = isMap(container.node) && key !== undefined ? findPair(container.node, key)?.key : undefined;
    const message = issue.issues[0]?.message ?? issue.message;
    return [{ ...positionOf(lineCounter, rangeStart(keyNode) ?? container.offset), path: formatPath(path), message }];
  }
  const resolved = resolvePath(doc, path);
  return [{ ...positionOf(lineCounter, resolved.offset), path: formatPath(path), message: issue.message }];
}

/**
 * The deepest node the path reaches. A missing key (a required field left out) resolves to
 * the object that should have held it, so the error still points somewhere useful.
 */
function resolvePath(doc: Document, path: IssuePath): { node: unknown; offset: number } {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const segment of path) {
    let next: { value: unknown; keyOffset: number | undefined } | undefined;
    if (isMap(node)) {
      const pair = findPair(node, segment);
      if (pair !== undefined) next = { value: pair.value, keyOffset: rangeStart(pair.key) };
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item !== undefined) next = { value: item, keyOffset: undefined };
    }
    if (next === undefined) break;
    node = next.value;
    // `key:` with no value has no value node; point at the key instead.
    offset = rangeStart(node) ?? next.keyOffset ?? offset;
  }
  return { node, offset };
}

function findPair(map: { items: Pair<unknown, unknown>[] }, key: PropertyKey): Pair<unknown, unknown> | undefined {
  return map.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === String(key));
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range === undefined || range === null ? undefined : range[0];
}

function positionOf(lineCounter: LineCounter, offset: number): { line: number; column: number } {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

function formatPath(path: IssuePath): string {
  return path.map(String).join('.');
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
