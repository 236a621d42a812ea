-- Core tables of the policy server. The same SQL runs on PostgreSQL and on embedded PGlite.

create table connections (
  name text primary key,
  kind text not null check (kind in ('postgres', 'ssh')),
  description text not null default '',
  -- Address and TLS settings of the upstream; never the credential.
  target jsonb not null,
  allowed_groups text[] not null default '{}',
  -- The credential, sealed with the server's secrets key (AES-256-GCM).
  credential_ciphertext bytea not null,
  credential_iv bytea not null,
  credential_tag bytea not null,
  recording_retention_days int not null default 90 check (recording_retention_days > 0),
  policy_version int not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz
);

create table policy_versions (
  connection text not null references connections (name),
  version int not null check (version > 0),
  yaml text not null,
  author text not null,
  reason text not null default '',
  created_at timestamptz not null default now(),
  primary key (connection, version)
);

create table leases (
  id uuid primary key,
  connection text not null references connections (name),
  subject text not null,
  broker_session_id text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz
);
create index leases_subject on leases (subject, created_at);
create index leases_connection on leases (connection, expires_at);

create table approval_requests (
  id uuid primary key,
  state text not null check (state in ('pending', 'approved', 'denied', 'expired', 'cancelled', 'executed')),
  connection text not null references connections (name),
  requester text not null,
  requester_name text not null,
  requester_machine boolean not null default false,
  scope jsonb not null,
  statement_fingerprint text,
  rule text not null,
  policy_version int not null,
  justification text,
  approver_groups text[] not null,
  escalation_groups text[] not null default '{}',
  escalated boolean not null default false,
  min_approvals int not null default 1 check (min_approvals > 0),
  broker_session_id text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  escalate_at timestamptz,
  decided_at timestamptz,
  redeemed_at timestamptz
);
-- The expiry and escalation scheduler scans pending requests by deadline.
create index approval_requests_pending_expiry on approval_requests (expires_at) where state = 'pending';
create index approval_requests_pending_escalation on approval_requests (escalate_at) where state = 'pending' and not escalated;
create index approval_requests_requester on approval_requests (requester, created_at);
create index approval_requests_state on approval_requests (state, created_at);

create table approval_decisions (
  request_id uuid not null references approval_requests (id) on delete cascade,
  approver text not null,
  approver_name text not null,
  decision text not null check (decision in ('approve', 'deny')),
  comment text not null default '',
  at timestamptz not null default now(),
  -- One decision per approver and request: N-of-M counts people, not clicks.
  unique (request_id, approver)
);

-- Fan-out of server-sent events; the id is the SSE event id a client resumes from (Last-Event-ID).
create table server_events (
  id bigserial primary key,
  type text not null,
  payload jsonb not null,
  -- Who may receive it (subjects, groups, roles), decided by the publisher.
  audience jsonb not null,
  created_at timestamptz not null default now()
);
create index server_events_created_at on server_events (created_at);

-- The hash-chained audit log (server/audit/audit-chain.ts writes it, nothing else does).
create table audit_log (
  seq bigint primary key,
  id uuid not null unique,
  time timestamptz not null,
  source text not null check (source in ('broker', 'server')),
  kind text not null,
  actor text not null,
  actor_machine boolean not null,
  connection text,
  statement_class text,
  decision text,
  text text,
  event jsonb not null,
  prev_hash text not null,
  hash text not null
);
create index audit_log_time on audit_log (time);
create index audit_log_actor on audit_log (actor, seq);
create index audit_log_connection on audit_log (connection, seq);

-- Written by the retention job when it removes the oldest records: the chain then starts
-- from the last checkpoint's hash instead of the genesis hash.
create table audit_checkpoints (
  id bigserial primary key,
  created_at timestamptz not null default now(),
  removed_through_seq bigint not null,
  removed_count bigint not null,
  last_removed_hash text not null,
  signature text not null,
  key_id text not null
);

-- The audit trail is append-only. Only the retention job, which first runs
-- SET LOCAL gatehouse.retention = 'on' in its own transaction, may remove rows.
create function gatehouse_refuse_audit_change() returns trigger language plpgsql as $$
begin
  if coalesce(current_setting('gatehouse.retention', true), '') <> 'on' then
    raise exception '% is append-only: % refused', tg_table_name, tg_op using errcode = '42501';
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  return new;
end
$$;

create trigger audit_log_append_only before update or delete on audit_log
  for each row execute function gatehouse_refuse_audit_change();
create trigger audit_log_no_truncate before truncate on audit_log
  for each statement execute function gatehouse_refuse_audit_change();
create trigger audit_checkpoints_append_only before update or delete on audit_checkpoints
  for each row execute function gatehouse_refuse_audit_change();
create trigger audit_checkpoints_no_truncate before truncate on audit_checkpoints
  for each statement execute function gatehouse_refuse_audit_change();
