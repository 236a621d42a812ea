import type { ConnectionSummary, PolicyVersion, PostgresTarget, SshTarget } from '../../shared/api/connections.ts';
import type { SealedSecret } from '../crypto/secret-box.ts';
import type { Queryable } from '../store/database.ts';
import type { ConnectionKind } from './connection-validation.ts';

/*
 * The connections and policy_versions tables. Reads of summaries never select the credential
 * columns, so no listing can carry a credential by accident.
 */

const SUMMARY_COLUMNS =
  'name, kind, description, target, allowed_groups, policy_version, recording_retention_days, created_at, updated_at';

interface SummaryRow {
  name: string;
  kind: ConnectionKind;
  description: string;
  target: PostgresTarget | SshTarget;
  allowed_groups: string[];
  policy_version: number;
  recording_retention_days: number;
  created_at: Date;
  updated_at: Date;
}

interface SealedRow extends SummaryRow {
  credential_ciphertext: Buffer;
  credential_iv: Buffer;
  credential_tag: Buffer;
}

export interface StoredConnection {
  summary: ConnectionSummary;
  kind: ConnectionKind;
  sealedCredential: SealedSecret;
}

function summaryFromRow(row: SummaryRow): ConnectionSummary {
  return {
    name: row.name,
    kind: row.kind,
    description: row.description,
    target: row.target,
    allowedGroups: row.allowed_groups,
    policyVersion: Number(row.policy_version),
    recordingRetentionDays: Number(row.recording_retention_days),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export interface NewConnection {
  name: string;
  kind: ConnectionKind;
  description: string;
  target: PostgresTarget | SshTarget;
  allowedGroups: string[];
  sealedCredential: SealedSecret;
  recordingRetentionDays: number;
}

/** Inserts the connection with policy version 1; null when the name is taken (deleted connections keep theirs). */
export async function insertConnection(tx: Queryable, connection: NewConnection, policy: { yaml: string; author: string }): Promise<ConnectionSummary | null> {
  const rows = await tx.query<SummaryRow>(
    `insert into connections (name, kind, description, target, allowed_groups, credential_ciphertext, credential_iv, credential_tag, recording_retention_days, policy_version)
     values ($1, $2, $3, $4::jsonb, $5::text[], $6, $7, $8, $9, 1)
     on conflict (name) do nothing
     returning ${SUMMARY_COLUMNS}`,
    [
      connection.name,
      connection.kind,
      connection.description,
      JSON.stringify(connection.target),
      connection.allowedGroups,
      connection.sealedCredential.ciphertext,
      connection.sealedCredential.iv,
      connection.sealedCredential.tag,
      connection.recordingRetentionDays,
    ],
  );
  const row = rows[0];
  if (row === undefined) return null;
  await insertPolicyVersion(tx, { connection: connection.name, version: 1, yaml: policy.yaml, author: policy.author, reason: 'created' });
  return summaryFromRow(row);
}

/** Live (not deleted) connections, by name; `groups` null means all of them, else those allowing any of `groups`. */
export async function listConnections(db: Queryable, filter: { groups: string[] | null; search: string | null }): Promise<ConnectionSummary[]> {
  const pattern = filter.search === null || filter.search === '' ? null : `%${filter.search.replace(/[\\%_]/g, '\\$&')}%`;
  const rows = await db.query<SummaryRow>(
    `select ${SUMMARY_COLUMNS} from connections
     where deleted_at is null
       and ($1::text[] is null or allowed_groups && $1::text[])
       and ($2::text is null or name ilike $2 escape '\\' or description ilike $2 escape '\\')
     order by name`,
    [filter.groups, pattern],
  );
  return rows.map(summaryFromRow);
}

/** A live connection with its sealed credential; `forUpdate` locks the row until the transaction ends. */
export async function findConnection(db: Queryable, name: string, opts: { forUpdate?: boolean } = {}): Promise<StoredConnection | null> {
  const rows = await db.query<SealedRow>(
    `select ${SUMMARY_COLUMNS}, credential_ciphertext, credential_iv, credential_tag
     from connections where name = $1 and deleted_at is null${opts.forUpdate === true ? ' for update' : ''}`,
    [name],
  );
  const row = rows[0];
  if (row === undefined) return null;
  return {
    summary: summaryFromRow(row),
    kind: row.kind,
    sealedCredential: { ciphertext: row.credential_ciphertext, iv: row.credential_iv, tag: row.credential_tag },
  };
}

/** True for any connection ever created under `name`, deleted or not: its policy history stays readable. */
export async function connectionEverExisted(db: Queryable, name: string): Promise<boolean> {
  return (await db.query('select 1 from connections where name = $1', [name])).length > 0;
}

export interface ConnectionChanges {
  description?: string;
  target?: PostgresTarget | SshTarget;
  allowedGroups?: string[];
  sealedCredential?: SealedSecret;
  recordingRetentionDays?: number;
  policyVersion?: number;
}

export async function updateConnection(tx: Queryable, name: string, changes: ConnectionChanges): Promise<ConnectionSummary> {
  const sets: string[] = [];
  const params: unknown[] = [name];
  const set = (column: string, value: unknown, cast = ''): void => {
    params.push(value);
    sets.push(`${column} = $${params.length}${cast}`);
  };
  if (changes.description !== undefined) set('description', changes.description);
  if (changes.target !== undefined) set('target', JSON.stringify(changes.target), '::jsonb');
  if (changes.allowedGroups !== undefined) set('allowed_groups', changes.allowedGroups, '::text[]');
  if (changes.sealedCredential !== undefined) {
    set('credential_ciphertext', changes.sealedCredential.ciphertext);
    set('credential_iv', changes.sealedCredential.iv);
    set('credential_tag', changes.sealedCredential.tag);
  }
  if (changes.recordingRetentionDays !== undefined) set('recording_retention_days', changes.recordingRetentionDays);
  if (changes.policyVersion !== undefined) set('policy_version', changes.policyVersion);
  sets.push('updated_at = now()');
  const rows = await tx.query<SummaryRow>(
    `update connections set ${sets.join(', ')} where name = $1 and deleted_at is null returning ${SUMMARY_COLUMNS}`,
    params,
  );
  if (rows[0] === undefined) throw new Error(`connection ${name} vanished during its update`);
  return summaryFromRow(rows[0]);
}

/** Marks the connection deleted and revokes its open leases; false when there was no live connection. */
export async function softDeleteConnection(tx: Queryable, name: string): Promise<{ deleted: boolean; revokedLeases: number }> {
  const rows = await tx.query('update connections set deleted_at = now(), updated_at = now() where name = $1 and deleted_at is null returning name', [name]);
  if (rows.length === 0) return { deleted: false, revokedLeases: 0 };
  const revoked = await tx.query(
    'update leases set revoked_at = now() where connection = $1 and revoked_at is null and expires_at > now() returning id',
    [name],
  );
  return { deleted: true, revokedLeases: revoked.length };
}

interface PolicyVersionRow {
  connection: string;
  version: number;
  yaml: string;
  author: string;
  reason: string;
  created_at: Date;
}

function policyVersionFromRow(row: PolicyVersionRow): PolicyVersion {
  return {
    connection: row.connection,
    version: Number(row.version),
    yaml: row.yaml,
    author: row.author,
    reason: row.reason,
    createdAt: row.created_at.toISOString(),
  };
}

export async function insertPolicyVersion(
  tx: Queryable,
  version: { connection: string; version: number; yaml: string; author: string; reason: string },
): Promise<void> {
  await tx.query('insert into policy_versions (connection, version, yaml, author, reason) values ($1, $2, $3, $4, $5)', [
    version.connection,
    version.version,
    version.yaml,
    version.author,
    version.reason,
  ]);
}

export async function listPolicyVersions(db: Queryable, connection: string): Promise<PolicyVersion[]> {
  const rows = await db.query<PolicyVersionRow>(
    'select connection, version, yaml, author, reason, created_at from policy_versions where connection = $1 order by version',
    [connection],
  );
  return rows.map(policyVersionFromRow);
}

export async function findPolicyVersion(db: Queryable, connection: string, version: number): Promise<PolicyVersion | null> {
  const rows = await db.query<PolicyVersionRow>(
    'select connection, version, yaml, author, reason, created_at from policy_versions where connection = $1 and version = $2',
    [connection, version],
  );
  return rows[0] === undefined ? null : policyVersionFromRow(rows[0]);
}
