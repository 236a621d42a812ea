import { isMap, isScalar, parseDocument } from 'yaml';
import { postgresTargetSchema, sshTargetSchema } from '../../shared/api/connections.ts';
import type { CredentialInput, PostgresTarget, SshTarget } from '../../shared/api/connections.ts';
import { parsePolicyText } from '../../shared/policy/parse-policy.ts';
import type { PolicyError } from '../../shared/policy/parse-policy.ts';

/*
 * Checks of a connection's parts that the request schemas cannot make alone: the policy
 * document must be valid and name this connection, the target must be the kind's shape, and
 * the credential must be one the kind can use.
 */

export type ConnectionKind = 'postgres' | 'ssh';

/** Every problem in `yaml` as a policy for `connection`; empty when it is acceptable. */
export function policyProblems(connection: string, yaml: string): PolicyError[] {
  const parsed = parsePolicyText(yaml);
  if (!parsed.ok) return parsed.errors;
  if (parsed.policy.connection === connection) return [];
  // A policy written for another connection is most likely pasted into the wrong place.
  return [
    {
      ...connectionKeyPosition(yaml),
      path: 'connection',
      message: `the policy is for connection "${parsed.policy.connection}", not "${connection}"`,
    },
  ];
}

function connectionKeyPosition(yaml: string): { line: number; column: number } {
  const doc = parseDocument(yaml);
  const contents = doc.contents;
  if (isMap(contents)) {
    const pair = contents.items.find((item) => isScalar(item.key) && item.key.value === 'connection');
    const offset = isScalar(pair?.value) ? pair.value.range?.[0] : undefined;
    if (offset !== undefined) {
      const before = yaml.slice(0, offset);
      const lineStart = before.lastIndexOf('\n') + 1;
      return { line: before.split('\n').length, column: offset - lineStart + 1 };
    }
  }
  return { line: 1, column: 1 };
}

export type TargetCheck = { ok: true; target: PostgresTarget | SshTarget } | { ok: false; message: string };

/** Parses `target` with the schema of `kind`; the request schema only knew it was one of the two. */
export function checkTarget(kind: ConnectionKind, target: unknown): TargetCheck {
  const schema = kind === 'postgres' ? postgresTargetSchema : sshTargetSchema;
  const parsed = schema.safeParse(target);
  if (parsed.success) return { ok: true, target: parsed.data };
  const fields = parsed.error.issues.map((issue) => issue.path.join('.') || 'target');
  return { ok: false, message: `target is not a ${kind} target (check ${[...new Set(fields)].join(', ')})` };
}

/** Why `credential` cannot be used by a `kind` connection, or null. */
export function credentialProblem(kind: ConnectionKind, credential: CredentialInput): string | null {
  switch (kind) {
    case 'postgres':
      return credential.kind === 'password' ? null : 'a postgres connection needs a password credential';
    case 'ssh':
      return null;
    default:
      return kind satisfies never;
  }
}
