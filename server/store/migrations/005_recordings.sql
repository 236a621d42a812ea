-- Terminal recordings (asciicast v2), uploaded by brokers in numbered chunks, with the screen
-- snapshots and screen text the server derives from them. Same SQL on PostgreSQL and PGlite.

create table recordings (
  id uuid primary key,
  connection text not null references connections (name),
  host text not null,
  broker_session_id text not null,
  -- The uploading principal: audit records name the same user in `actor`.
  user_name text not null,
  user_subject text not null,
  user_machine boolean not null,
  started_at timestamptz not null,
  ended_at timestamptz,
  exit_status int,
  -- The asciicast header line (JSON text, as the broker sent it); width/height are its terminal size.
  header text not null,
  width int not null,
  height int not null,
  -- Bytes of the event lines (the .cast without its header line), chunks stored so far,
  -- and the time of the last event.
  bytes bigint not null default 0,
  chunk_count int not null default 0,
  duration_ms double precision not null default 0,
  -- Set by /end: how many chunks the broker produced; complete once all of them are stored.
  expected_chunks int,
  complete boolean not null default false,
  created_at timestamptz not null default now()
);
create index recordings_started on recordings (started_at);
create index recordings_user on recordings (user_name, started_at);
create index recordings_connection on recordings (connection, started_at);
create index recordings_session on recordings (broker_session_id);

create table recording_chunks (
  recording_id uuid not null references recordings (id) on delete cascade,
  seq int not null check (seq >= 0),
  -- Times (ms since the recording started) of the first and last event.
  start_ms double precision not null,
  end_ms double precision not null,
  event_count int not null,
  bytes int not null,
  -- sha256 of `lines`: a re-sent chunk is recognised, a different one under the same number refused.
  digest text not null,
  -- The chunk's events as .cast lines: one JSON array and a newline each.
  lines text not null,
  primary key (recording_id, seq)
);

-- Screen states to seek from: every ~5 s of session time, after bursts of output, and at
-- every resize. (chunk_seq, event_index) is the next event to apply after restoring.
create table recording_snapshots (
  recording_id uuid not null references recordings (id) on delete cascade,
  t_ms double precision not null,
  chunk_seq int not null,
  event_index int not null,
  width int not null,
  height int not null,
  -- @xterm/addon-serialize output, for clients.
  screen text not null,
  -- The exact terminal state (cells, cursor, scroll region, charsets, …), for replays.
  state jsonb not null,
  primary key (recording_id, chunk_seq, event_index)
);
create index recording_snapshots_time on recording_snapshots (recording_id, t_ms);

-- Text that appeared on the screen, per chunk: each line at the time of the event that made it
-- appear. Searched with strpos(lower(...)), which both backends have.
create table recording_text (
  recording_id uuid not null references recordings (id) on delete cascade,
  chunk_seq int not null,
  -- Newline-separated lines; times[i] (ms) belongs to line i.
  lines text not null,
  times jsonb not null,
  primary key (recording_id, chunk_seq)
);
