import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BARE_STRUCT_FIELDS } from '../../../shared/sql/ast-fields.ts';
import { NEUTRAL_NODES, NOT_IN_RAW_TREES } from '../../../shared/sql/node-kinds.ts';
import { STATEMENT_RULES } from '../../../shared/sql/statement-rules.ts';
import { WALKER_SPECIAL_NODES } from '../../../shared/sql/walker.ts';

// The walker's tables are written by hand for the installed libpg-query; these tests read the type
// definitions that ship with it (@pgsql/types, generated from the same protobuf schema) and fail when
// an upgrade adds a node type or changes which fields hold bare structs.

const require = createRequire(import.meta.url);
const typesFile = join(dirname(require.resolve('@pgsql/types/package.json')), 'types.d.ts');
const typesSource = readFileSync(typesFile, 'utf8');

function interfaces(): Map<string, Map<string, string>> {
  const result = new Map<string, Map<string, string>>();
  for (const match of typesSource.matchAll(/export interface (\w+) \{([^}]*)\}/g)) {
    const fields = new Map<string, string>();
    for (const line of (match[2] ?? '').split('\n')) {
      const field = /^\s*(\w+)\??: (.+);$/.exec(line);
      if (field?.[1] !== undefined && field[2] !== undefined) fields.set(field[1], field[2]);
    }
    result.set(match[1] ?? '', fields);
  }
  return result;
}

function nodeUnionMembers(): string[] {
  const start = typesSource.indexOf('export type Node =');
  const union = typesSource.slice(start, typesSource.indexOf('export interface', start));
  return [...union.matchAll(/^\s+(\w+): \1;$/gm)].map((match) => match[1] ?? '');
}

describe('parse-node buckets', () => {
  it('put every node type of the installed libpg-query in exactly one bucket', () => {
    const members = nodeUnionMembers();
    expect(members.length).toBeGreaterThan(250);
    const buckets = [new Set(Object.keys(STATEMENT_RULES)), NEUTRAL_NODES, NOT_IN_RAW_TREES, new Set(WALKER_SPECIAL_NODES)];
    const misplaced = members.filter((member) => buckets.filter((bucket) => bucket.has(member)).length !== 1);
    expect(misplaced).toEqual([]);
  });

  it('name no node type that does not exist', () => {
    const members = new Set(nodeUnionMembers());
    const all = [...Object.keys(STATEMENT_RULES), ...NEUTRAL_NODES, ...NOT_IN_RAW_TREES, ...WALKER_SPECIAL_NODES];
    expect(all.filter((name) => !members.has(name))).toEqual([]);
  });
});

describe('bare struct fields', () => {
  it('match the fields @pgsql/types declares with a concrete node type', () => {
    const types = interfaces();
    const expected: Record<string, Record<string, string>> = {};
    for (const [name, fields] of types) {
      if (name === 'ParseResult' || name === 'ScanResult' || name === 'SummaryResult') continue;
      for (const [field, type] of fields) {
        if (!types.has(type)) continue;
        (expected[name] ??= {})[field] = type;
      }
    }
    expect(BARE_STRUCT_FIELDS).toEqual(expected);
  });
});
