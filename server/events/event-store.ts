import type { Queryable } from '../store/database.ts';
import type { StoredAudience } from './event-audience.ts';

/** One row of server_events. */
export interface StoredEvent {
  id: number;
  type: string;
  /** The ServerEvent, parsed. */
  payload: Record<string, unknown>;
  audience: StoredAudience;
}

interface EventRow {
  id: number;
  type: string;
  payload: Record<string, unknown>;
  audience: Partial<StoredAudience>;
}

function toStored(row: EventRow): StoredEvent {
  return {
    id: Number(row.id),
    type: row.type,
    payload: row.payload,
    audience: { subjects: row.audience.subjects ?? [], groups: row.audience.groups ?? [], roles: row.audience.roles ?? [] },
  };
}

/** The events with these ids that still exist, in id order. */
export async function readEventsByIds(db: Queryable, ids: readonly number[]): Promise<StoredEvent[]> {
  if (ids.length === 0) return [];
  const rows = await db.query<EventRow>('select id, type, payload, audience from server_events where id = any($1::bigint[]) order by id', [[...ids]]);
  return rows.map(toStored);
}

/** Up to `limit` events after `afterId`, oldest first. */
export async function readEventsAfter(db: Queryable, afterId: number, limit: number): Promise<StoredEvent[]> {
  const rows = await db.query<EventRow>('select id, type, payload, audience from server_events where id > $1 order by id limit $2', [afterId, limit]);
  return rows.map(toStored);
}

export async function latestEventId(db: Queryable): Promise<number> {
  const [row] = await db.query<{ id: number | null }>('select max(id) as id from server_events');
  return Number(row?.id ?? 0);
}

/** Removes events older than `maxAgeMs` (at most `limit` per call); returns how many. */
export async function pruneEvents(db: Queryable, maxAgeMs: number, limit: number): Promise<number> {
  const rows = await db.query(
    `delete from server_events where id in (
       select id from server_events where created_at < now() - $1::double precision * interval '1 millisecond' order by id limit $2
     ) returning id`,
    [maxAgeMs, limit],
  );
  return rows.length;
}
