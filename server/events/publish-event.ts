import { z } from 'zod';
import { roleSchema } from '../../shared/api/identity.ts';
import type { ServerEvent } from '../../shared/api/events.ts';
import type { Queryable } from '../store/database.ts';

/** Who may receive an event: anyone matching any entry. Decided by the publisher, checked at fan-out. */
export const eventAudienceSchema = z.object({
  subjects: z.array(z.string()).default([]),
  groups: z.array(z.string()).default([]),
  roles: z.array(roleSchema).default([]),
});
export type EventAudience = z.input<typeof eventAudienceSchema>;

/** The NOTIFY channel every replica listens on; the payload is the new event's id. */
export const EVENTS_CHANNEL = 'gatehouse_events';

/**
 * Records an event for fan-out. Call it inside the transaction that makes the change, so an
 * event exists exactly when the change does; the NOTIFY is delivered by PostgreSQL at commit,
 * to every replica (on PGlite, to this process). Returns the event id (the SSE `id:`).
 */
export async function publishEvent(tx: Queryable, event: ServerEvent, audience: EventAudience): Promise<number> {
  const rows = await tx.query<{ id: number }>(
    'insert into server_events (type, payload, audience) values ($1, $2, $3) returning id',
    [event.type, JSON.stringify(event), JSON.stringify(eventAudienceSchema.parse(audience))],
  );
  const id = Number(rows[0]!.id);
  await tx.query('select pg_notify($1, $2)', [EVENTS_CHANNEL, String(id)]);
  return id;
}
